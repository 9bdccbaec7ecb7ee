package io.github.llmresilience.sample;

import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;

import io.github.llmresilience.LlmException;

/**
 * Turns a call that every target of its policy failed into a problem response:
 * {@code 400} when the request itself was refused (bad request, context length, content
 * filter), {@code 503} otherwise. The body names the failure kind and the attempts made,
 * never the prompt.
 */
@RestControllerAdvice
class LlmExceptionHandler {

	@ExceptionHandler(LlmException.class)
	ProblemDetail handle(LlmException ex) {
		HttpStatus status = switch (ex.kind()) {
			case BAD_REQUEST, CONTEXT_LENGTH, CONTENT_FILTER -> HttpStatus.BAD_REQUEST;
			default -> HttpStatus.SERVICE_UNAVAILABLE;
		};
		ProblemDetail problem = ProblemDetail.forStatusAndDetail(status,
				"The language model did not answer: " + ex.kind().value());
		problem.setProperty("kind", ex.kind().value());
		problem.setProperty("attempts", ex.attempts());
		return problem;
	}

}
