package com.example.app;

import io.github.llmresilience.LlmCall;
import io.github.llmresilience.LlmClient;
import io.github.llmresilience.springai.LlmChatModel;

import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * Compiles against a type of each artifact the BOM lists: the starter brings
 * {@code LlmClient} and {@code @LlmCall}, the Spring AI and LangChain4j modules their
 * {@code LlmChatModel}s.
 */
@SpringBootApplication
public class Application {

	static final Class<?>[] USED = { LlmCall.class, LlmClient.class, LlmChatModel.class,
			io.github.llmresilience.langchain4j.LlmChatModel.class };

}
