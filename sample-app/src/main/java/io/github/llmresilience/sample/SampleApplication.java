package io.github.llmresilience.sample;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * A WebFlux application that uses the llm-resilience starter as a user would.
 * <p>
 * Without a profile it runs in demo mode (profile {@code demo}): an in-process
 * {@code FakeLlmServer} stands in for both providers and answers with a seeded mix of
 * rate limits and server errors, so retries and fallbacks show up in the responses and at
 * {@code /actuator/prometheus}. With profile {@code openai} it calls OpenAI.
 */
@SpringBootApplication
public class SampleApplication {

	public static void main(String[] args) {
		SpringApplication.run(SampleApplication.class, args);
	}

}
