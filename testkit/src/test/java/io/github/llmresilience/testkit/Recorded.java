package io.github.llmresilience.testkit;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Recorded requests built by hand, for tests of responders.
 */
final class Recorded {

	private Recorded() {
	}

	static RecordedRequest request(String model) {
		return new RecordedRequest(System.nanoTime(), Instant.now(), "POST", "/v1/chat/completions", null,
				Map.of("Content-Type", List.of("application/json")), Chat.body(model, "Hi"), model, false);
	}

}
