package io.github.llmresilience.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;

import com.github.dockerjava.api.exception.NotFoundException;
import org.slf4j.LoggerFactory;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.output.Slf4jLogConsumer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.utility.DockerImageName;

/**
 * A container of an image that a script under {@code docker/} builds locally, for the
 * starter's integration tests. No registry can be reached and the engine may have no
 * bridge network, so the image is never pulled, the container shares the host's network
 * on a free loopback port, and it is ready when its log says so (an HTTP wait looks for
 * mapped ports).
 *
 * @param <SELF> the container's own type
 */
public abstract class LocalImageContainer<SELF extends LocalImageContainer<SELF>> extends GenericContainer<SELF> {

	private final String image;

	private final String script;

	private final int port;

	/**
	 * Create a container.
	 * @param image the image, as the build names it
	 * @param script the script that builds it, for the message when it is missing
	 * @param readyLogLine a regular expression for the log line that says the server is
	 * ready
	 * @param logger the name its output is logged under
	 */
	protected LocalImageContainer(String image, String script, String readyLogLine, String logger) {
		super(DockerImageName.parse(image));
		this.image = image;
		this.script = script;
		this.port = freeLoopbackPort();
		withImagePullPolicy((name) -> false);
		withNetworkMode("host");
		waitingFor(Wait.forLogMessage(readyLogLine, 1).withStartupTimeout(Duration.ofSeconds(60)));
		withLogConsumer(new Slf4jLogConsumer(LoggerFactory.getLogger(logger)));
	}

	@Override
	protected void configure() {
		try {
			DockerClientFactory.instance().client().inspectImageCmd(this.image).exec();
		}
		catch (NotFoundException ex) {
			throw new IllegalStateException("Docker has no image " + this.image
					+ ": './mvnw verify' builds it before the integration tests; " + this.script + " builds it by hand",
					ex);
		}
	}

	/**
	 * Return the loopback port the server listens on.
	 * @return the port
	 */
	public int port() {
		return this.port;
	}

	/**
	 * Return a free TCP port on the loopback interface.
	 * @return the port
	 */
	public static int freeLoopbackPort() {
		try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
			return socket.getLocalPort();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

}
