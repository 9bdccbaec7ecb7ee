package io.github.llmresilience.fleet;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;

import com.github.dockerjava.api.exception.NotFoundException;
import org.awaitility.Awaitility;
import org.slf4j.LoggerFactory;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.output.Slf4jLogConsumer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.utility.DockerImageName;

/**
 * Redis, Debian's {@code redis-server}, in a container of the image that
 * {@code docker/redis/build-image.sh} builds locally. It runs on the host's network, bound to
 * 127.0.0.1 on a free port, without persistence, and can be stopped and started again on the same
 * port, as a Redis that goes away and comes back empty.
 */
final class RedisContainer extends GenericContainer<RedisContainer> {

	/**
	 * The image, as the build names it (system property {@code redis.image}).
	 */
	static final String IMAGE = System.getProperty("redis.image", "llm-resilience/redis:debian");

	private final int port;

	RedisContainer() {
		super(DockerImageName.parse(IMAGE));
		this.port = freeLoopbackPort();
		// No registry can be reached and the engine may have no bridge network: never pull, share
		// the host's network, and wait for the log line.
		withImagePullPolicy((image) -> false);
		withNetworkMode("host");
		withCommand("--bind", "127.0.0.1", "--port", String.valueOf(this.port), "--save", "", "--appendonly", "no");
		waitingFor(Wait.forLogMessage(".*Ready to accept connections.*", 1).withStartupTimeout(Duration.ofSeconds(60)));
		withLogConsumer(new Slf4jLogConsumer(LoggerFactory.getLogger("redis")));
	}

	@Override
	protected void configure() {
		try {
			DockerClientFactory.instance().client().inspectImageCmd(IMAGE).exec();
		}
		catch (NotFoundException ex) {
			throw new IllegalStateException("Docker has no image " + IMAGE
					+ ": './mvnw verify' builds it before the integration tests; docker/redis/build-image.sh"
					+ " builds it by hand", ex);
		}
	}

	int port() {
		return this.port;
	}

	/**
	 * Stop the server, as a Redis that goes away.
	 */
	void stopServer() {
		getDockerClient().stopContainerCmd(getContainerId()).withTimeout(1).exec();
	}

	/**
	 * Start the stopped server again on the same port, with nothing in it, and wait until it
	 * answers.
	 */
	void startServer() {
		getDockerClient().startContainerCmd(getContainerId()).exec();
		Awaitility.await("Redis answers again")
			.atMost(Duration.ofSeconds(60))
			.pollInterval(Duration.ofMillis(200))
			.ignoreExceptions()
			.until(() -> cli("PING").equals("PONG"));
	}

	/**
	 * Run {@code redis-cli} in the container.
	 * @param arguments the command and its arguments
	 * @return what it printed, trimmed
	 */
	String cli(String... arguments) {
		try {
			List<String> command = new java.util.ArrayList<>(List.of("redis-cli", "-p", String.valueOf(this.port)));
			command.addAll(List.of(arguments));
			ExecResult result = execInContainer(command.toArray(String[]::new));
			if (result.getExitCode() != 0) {
				throw new IllegalStateException("redis-cli " + List.of(arguments) + ": " + result.getStderr());
			}
			return result.getStdout().trim();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

	private static int freeLoopbackPort() {
		try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
			return socket.getLocalPort();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

}
