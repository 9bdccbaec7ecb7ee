package io.github.llmresilience.fleet;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;

import org.awaitility.Awaitility;

import io.github.llmresilience.it.LocalImageContainer;

/**
 * Redis, Debian's {@code redis-server}, in a container of the image that
 * {@code docker/redis/build-image.sh} builds locally. It runs on the host's network,
 * bound to 127.0.0.1 on a free port, without persistence, and can be stopped and started
 * again on the same port, as a Redis that goes away and comes back empty.
 */
final class RedisContainer extends LocalImageContainer<RedisContainer> {

	/**
	 * The image, as the build names it (system property {@code redis.image}).
	 */
	static final String IMAGE = System.getProperty("redis.image", "llm-resilience/redis:debian");

	RedisContainer() {
		super(IMAGE, "docker/redis/build-image.sh", ".*Ready to accept connections.*", "redis");
		withCommand("--bind", "127.0.0.1", "--port", String.valueOf(port()), "--save", "", "--appendonly", "no");
	}

	/**
	 * Stop the server, as a Redis that goes away.
	 */
	void stopServer() {
		getDockerClient().stopContainerCmd(getContainerId()).withTimeout(1).exec();
	}

	/**
	 * Start the stopped server again on the same port, with nothing in it, and wait until
	 * it answers.
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
			List<String> command = new java.util.ArrayList<>(List.of("redis-cli", "-p", String.valueOf(port())));
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

}
