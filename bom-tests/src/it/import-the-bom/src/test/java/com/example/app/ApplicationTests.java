package com.example.app;

import io.github.llmresilience.testkit.FakeLlmServer;

/**
 * Compiles against the testkit, in test scope as an application uses it.
 */
class ApplicationTests {

	static final Class<?> USED = FakeLlmServer.class;

}
