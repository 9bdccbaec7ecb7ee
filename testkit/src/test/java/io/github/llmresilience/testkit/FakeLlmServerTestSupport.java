package io.github.llmresilience.testkit;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * What the server's own tests share: one {@link FakeLlmServer} per test class from
 * {@link FakeLlmServerExtension}, reset after each test, and a {@link Chat} client that
 * asks it.
 */
@ExtendWith(FakeLlmServerExtension.class)
abstract class FakeLlmServerTestSupport {

	final Chat chat = new Chat();

	FakeLlmServer server;

	@BeforeEach
	void useTheExtensionsServer(FakeLlmServer server) {
		this.server = server;
	}

}
