package io.github.llmresilience.behaviour;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import jdk.jfr.EventType;
import jdk.jfr.FlightRecorder;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledForJreRange;
import org.junit.jupiter.api.condition.JRE;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.task.TaskExecutionAutoConfiguration;
import org.springframework.core.task.AsyncTaskExecutor;

import io.github.llmresilience.ChatResponse;
import io.github.llmresilience.testkit.FakeLlmServer;
import io.github.llmresilience.testkit.FakeResponse;
import io.github.llmresilience.testkit.RecordedRequest;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A blocking {@code @LlmCall} method called on virtual threads, as an application with
 * {@code spring.threads.virtual.enabled=true} calls it from Spring Boot's task executor,
 * under load: each call's first attempt is rate limited with {@code Retry-After: 1}, so
 * every call waits once, all at the same time. A wait parks the virtual thread only: no
 * {@code jdk.VirtualThreadPinned} event is recorded, and the calls wait side by side
 * rather than a few carrier threads at a time.
 * <p>
 * From Java 24 a virtual thread no longer pins its carrier inside {@code synchronized}
 * (JEP 491); on 21 to 23 it may, so this runs on the newest JDK the build is checked on
 * (Java 25, in the second pass of {@code .ci/run}).
 */
@EnabledForJreRange(min = JRE.JAVA_25)
class VirtualThreadsBehaviourTests extends BehaviourTestSupport {

	private static final int CALLS = 100;

	private static final Duration RETRY_AFTER = Duration.ofSeconds(1);

	private static final String PINNED = "jdk.VirtualThreadPinned";

	@Test
	void blockingCallsOnVirtualThreadsWaitWithoutPinningTheirCarriers(@TempDir Path dir) throws Exception {
		assertThat(FlightRecorder.getFlightRecorder().getEventTypes()).extracting(EventType::getName)
			.as("the JDK records the event")
			.contains(PINNED);
		Set<String> rateLimited = ConcurrentHashMap.newKeySet();
		this.server.model(PRIMARY)
			.respondWith((request) -> rateLimited.add(request.body())
					? FakeResponse.status(429).retryAfterSeconds(RETRY_AFTER.toSeconds())
					: FakeResponse.ok("Summary."));
		Map<String, Boolean> virtualThreads = new ConcurrentHashMap<>();
		List<ChatResponse> responses = new ArrayList<>();
		Path events = dir.resolve("calls.jfr");
		long[] elapsed = new long[1];
		runner("spring.threads.virtual.enabled=true")
			.withConfiguration(AutoConfigurations.of(TaskExecutionAutoConfiguration.class))
			.run((context) -> {
				AsyncTaskExecutor executor = context.getBean("applicationTaskExecutor", AsyncTaskExecutor.class);
				Summarizer summarizer = context.getBean(Summarizer.class);
				// One call first: a virtual thread that loads or initializes a class
				// pins its carrier meanwhile, on Java 25 too, so the first calls of a JVM
				// may pin; the calls after them are what this test is about.
				assertThat(executor.submit(() -> summarizer.summariseBlocking("Warm-up."))
					.get(60, TimeUnit.SECONDS)
					.content()).isEqualTo("Summary.");
				try (Recording recording = new Recording()) {
					recording.enable(PINNED).withThreshold(Duration.ZERO).withStackTrace();
					recording.start();
					List<Future<ChatResponse>> calls = new ArrayList<>();
					long start = System.nanoTime();
					for (int i = 0; i < CALLS; i++) {
						String text = "Call " + i + ".";
						calls.add(executor.submit(() -> {
							virtualThreads.put(text, isVirtual(Thread.currentThread()));
							return summarizer.summariseBlocking(text);
						}));
					}
					for (Future<ChatResponse> call : calls) {
						responses.add(call.get(60, TimeUnit.SECONDS));
					}
					elapsed[0] = System.nanoTime() - start;
					recording.stop();
					recording.dump(events);
				}
			});

		assertThat(virtualThreads).hasSize(CALLS).doesNotContainValue(false);
		assertThat(responses).hasSize(CALLS).allSatisfy((response) -> {
			assertThat(response.content()).isEqualTo("Summary.");
			assertThat(response.served().attempts()).isEqualTo(2);
		});
		Map<String, List<RecordedRequest>> byCall = primaryRequests().stream()
			.filter((request) -> !request.body().contains("Warm-up."))
			.collect(Collectors.groupingBy(RecordedRequest::body));
		// Each call waited as asked; load only makes a gap longer (the bound on the whole
		// run below is the upper one).
		assertThat(byCall).hasSize(CALLS)
			.allSatisfy((body, requests) -> assertThat(FakeLlmServer.gaps(requests)).singleElement()
				.satisfies((gap) -> assertThat(gap).isGreaterThanOrEqualTo(RETRY_AFTER)));
		assertThat(pinned(events)).as("virtual threads that pinned their carrier").isEmpty();
		// Had each wait held a carrier thread, the waits would have taken turns on the
		// carriers: at least CALLS x RETRY_AFTER / carriers in all.
		Duration waitsInTurn = RETRY_AFTER.multipliedBy(CALLS).dividedBy(carriers());
		assertThat(Duration.ofNanos(elapsed[0])).isLessThan(waitsInTurn.dividedBy(2));
	}

	private static List<String> pinned(Path events) throws IOException {
		return RecordingFile.readAllEvents(events)
			.stream()
			.filter((event) -> event.getEventType().getName().equals(PINNED))
			.map(RecordedEvent::toString)
			.toList();
	}

	private static int carriers() {
		return Integer.getInteger("jdk.virtualThreadScheduler.parallelism", Runtime.getRuntime().availableProcessors());
	}

	/**
	 * {@code Thread.isVirtual()}, which the Java 17 API these tests compile against does
	 * not have.
	 */
	private static boolean isVirtual(Thread thread) throws ReflectiveOperationException {
		return (boolean) Thread.class.getMethod("isVirtual").invoke(thread);
	}

}
