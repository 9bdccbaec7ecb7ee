package io.github.llmresilience.testkit;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * A JUnit Jupiter extension that runs one {@link FakeLlmServer} per test class: started
 * on first use, injected into constructors, test methods and lifecycle methods that
 * declare a {@code FakeLlmServer} parameter, {@link FakeLlmServer#reset() reset} after
 * each test (scripts, recorded requests) and closed after the last one.
 *
 * <pre class="code">
 * &#064;ExtendWith(FakeLlmServerExtension.class)
 * class SummarizerTests {
 *
 *     &#064;Test
 *     void retriesAfterARateLimit(FakeLlmServer server) {
 *         server.model("gpt-4o").enqueue(FakeResponse.status(429).retryAfterMillis(50));
 *         // ...
 *     }
 *
 * }
 * </pre>
 *
 * When the server's URL is needed before the test class runs, as a Spring test's
 * {@code @DynamicPropertySource} needs it, register the extension in a static field and
 * ask it for the server:
 *
 * <pre class="code">
 * &#064;RegisterExtension
 * static final FakeLlmServerExtension llm = new FakeLlmServerExtension();
 *
 * &#064;DynamicPropertySource
 * static void llmProperties(DynamicPropertyRegistry registry) {
 *     registry.add("llm.providers.openai.base-url", () -&gt; llm.server().baseUrl());
 * }
 * </pre>
 */
public final class FakeLlmServerExtension implements ParameterResolver, AfterEachCallback, AfterAllCallback {

	private @Nullable FakeLlmServer server;

	/**
	 * Return the server, starting it on first use.
	 * @return the server
	 */
	public synchronized FakeLlmServer server() {
		if (this.server == null) {
			this.server = FakeLlmServer.start();
		}
		return this.server;
	}

	@Override
	public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
		return parameterContext.getParameter().getType() == FakeLlmServer.class;
	}

	@Override
	public Object resolveParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
		return server();
	}

	@Override
	public synchronized void afterEach(ExtensionContext context) {
		if (this.server != null) {
			this.server.reset();
		}
	}

	@Override
	public synchronized void afterAll(ExtensionContext context) {
		if (this.server != null) {
			this.server.close();
			this.server = null;
		}
	}

}
