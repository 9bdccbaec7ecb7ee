package io.github.llmresilience.behaviour;

import java.time.Duration;
import java.util.List;

import io.github.llmresilience.testkit.FakeLlmServer;
import io.github.llmresilience.testkit.RecordedRequest;

final class FakeLlmServerGaps {

	private FakeLlmServerGaps() {
	}

	static List<Duration> of(List<RecordedRequest> requests) {
		return FakeLlmServer.gaps(requests);
	}

}
