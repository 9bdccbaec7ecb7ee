package io.github.llmresilience.testkit;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.platform.testkit.engine.EngineTestKit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

/**
 * Runs test classes that use {@link FakeLlmServerExtension} on the JUnit engine and
 * checks what they saw: one server per class, injected wherever it is asked for, reset
 * between tests, closed after the class.
 */
class FakeLlmServerExtensionTests {

	@Test
	void oneServerPerClassIsInjectedResetBetweenTestsAndClosedAfterTheClass() throws Exception {
		Declared.seen.clear();
		EngineTestKit.engine("junit-jupiter")
			.selectors(selectClass(Declared.class))
			.execute()
			.testEvents()
			.assertStatistics((stats) -> stats.started(2).succeeded(2));
		assertThat(Declared.seen).hasSize(4).allSatisfy((server) -> assertThat(server).isSameAs(Declared.seen.get(0)));
		assertThat(Declared.requestsAtStartOfSecondTest).isZero();
		assertClosed(Declared.seen.get(0));
	}

	@Test
	void aRegisteredExtensionStartsItsServerOnFirstUseAndClosesIt() throws Exception {
		EngineTestKit.engine("junit-jupiter")
			.selectors(selectClass(Registered.class))
			.execute()
			.testEvents()
			.assertStatistics((stats) -> stats.started(1).succeeded(1));
		assertClosed(Registered.used);
	}

	private static void assertClosed(FakeLlmServer server) {
		assertThatExceptionOfType(IOException.class).isThrownBy(() -> {
			try (Socket socket = new Socket()) {
				socket.connect(new InetSocketAddress("127.0.0.1", server.port()), 1000);
			}
		});
	}

	@ExtendWith(FakeLlmServerExtension.class)
	@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
	static class Declared {

		static final List<FakeLlmServer> seen = new ArrayList<>();

		static int requestsAtStartOfSecondTest = -1;

		private final Chat chat = new Chat();

		Declared(FakeLlmServer server) {
			seen.add(server);
		}

		@Test
		@Order(1)
		void first(FakeLlmServer server) throws Exception {
			seen.add(server);
			server.model("m").thenAlways(FakeResponse.ok("scripted"));
			assertThat(this.chat.ask(server, "m").body()).contains("scripted");
		}

		@Test
		@Order(2)
		void second(FakeLlmServer server) throws Exception {
			seen.add(server);
			requestsAtStartOfSecondTest = server.requests().size();
			assertThat(this.chat.ask(server, "m").body()).doesNotContain("scripted");
		}

	}

	static class Registered {

		@RegisterExtension
		static final FakeLlmServerExtension llm = new FakeLlmServerExtension();

		static FakeLlmServer used;

		@Test
		void usesTheServer() throws Exception {
			used = llm.server();
			assertThat(new Chat().ask(llm.server(), "m").statusCode()).isEqualTo(200);
		}

	}

}
