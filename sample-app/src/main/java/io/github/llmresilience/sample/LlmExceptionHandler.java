package io.github.llmresilience.sample;

import java.time.Duration;
import java.time.Instant;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;

import io.github.llmresilience.LlmException;

/**
 * Turns a call that every target of its policy failed into a problem response:
 * {@code 400} when the request itself was refused (bad request, context length, content
 * filter), {@code 503} otherwise, with a {@code Retry-After} when every target was out
 * and one is expected back at a known instant. The body names the failure kind and the
 * attempts made, never the prompt.
 */
@RestControllerAdvice
class LlmExceptionHandler {

	@ExceptionHandler(LlmException.class)
	ResponseEntity<ProblemDetail> handle(LlmException ex) {
		HttpStatus status = switch (ex.kind()) {
			case BAD_REQUEST, CONTEXT_LENGTH, CONTENT_FILTER -> HttpStatus.BAD_REQUEST;
			default -> HttpStatus.SERVICE_UNAVAILABLE;
		};
		ProblemDetail problem = ProblemDetail.forStatusAndDetail(status,
				"The language model did not answer: " + ex.kind().value());
		problem.setProperty("kind", ex.kind().value());
		problem.setProperty("attempts", ex.attempts());
		ResponseEntity.BodyBuilder response = ResponseEntity.status(status);
		Instant back = ex.earliestAvailableAt();
		if (back != null) {
			// Every target is out: tell the client when to come back, in whole seconds.
			long millis = Duration.between(Instant.now(), back).toMillis();
			response.header(HttpHeaders.RETRY_AFTER, Long.toString(Math.max(1, (millis + 999) / 1000)));
		}
		return response.body(problem);
	}

}
