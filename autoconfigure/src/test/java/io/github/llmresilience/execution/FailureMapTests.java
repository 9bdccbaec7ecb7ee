package io.github.llmresilience.execution;

import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;
import reactor.test.publisher.TestPublisher;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link FailureMap}: a publisher's failure replaced by what a function makes
 * of it, as {@code onErrorMap} does.
 */
class FailureMapTests {

	@Test
	void elementsAndCompletionGoOnUnchanged() {
		StepVerifier.create(FailureMap.of(Flux.just("a", "b"), IllegalStateException::new))
			.expectNext("a", "b")
			.verifyComplete();
	}

	@Test
	void aFailureIsReplacedByWhatTheFunctionMakesOfIt() {
		IllegalArgumentException failure = new IllegalArgumentException("503");
		StepVerifier.create(FailureMap.of(Flux.concat(Flux.just("a"), Flux.error(failure)), IllegalStateException::new))
			.expectNext("a")
			.expectErrorSatisfies(
					(error) -> assertThat(error).isInstanceOf(IllegalStateException.class).hasCause(failure))
			.verify();
	}

	@Test
	void aFunctionThatThrowsFailsWithWhatItThrewAndTheFailureSuppressed() {
		IllegalArgumentException failure = new IllegalArgumentException("503");
		IllegalStateException thrown = new IllegalStateException("cannot classify");
		StepVerifier.create(FailureMap.of(Flux.error(failure), (error) -> {
			throw thrown;
		})).expectErrorSatisfies((error) -> {
			assertThat(error).isSameAs(thrown);
			assertThat(error.getSuppressed()).containsExactly(failure);
		}).verify();
	}

	@Test
	void aCancellationReachesThePublisher() {
		TestPublisher<String> source = TestPublisher.create();
		StepVerifier.create(FailureMap.of(source.flux(), IllegalStateException::new))
			.then(() -> source.next("a"))
			.expectNext("a")
			.thenCancel()
			.verify();
		source.assertCancelled();
	}

}
