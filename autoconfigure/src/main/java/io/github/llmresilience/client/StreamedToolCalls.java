package io.github.llmresilience.client;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.jspecify.annotations.Nullable;

import io.github.llmresilience.ToolCall;
import io.github.llmresilience.client.OpenAiWire.MalformedBodyException;
import io.github.llmresilience.client.OpenAiWire.WireFunction;
import io.github.llmresilience.client.OpenAiWire.WireToolCall;

/**
 * Assembles the tool calls of a stream from their deltas, as OpenAI streams them
 * ({@code choices[0].delta.tool_calls}, openai-python's {@code ChoiceDeltaToolCall}):
 * each delta names the call it continues by its {@code index}; the first one of a call
 * carries its {@code id}, {@code type} and {@code function.name}, and every one may carry
 * a piece of {@code function.arguments}, joined in the order they arrive. A delta without
 * an index (some OpenAI-compatible servers send each call whole in one delta) takes its
 * position in the list. Not thread-safe: one instance per stream, fed in the stream's
 * order.
 */
final class StreamedToolCalls {

	private final Map<Integer, Builder> calls = new TreeMap<>();

	/**
	 * Add the tool-call deltas of one chunk.
	 * @param deltas the deltas
	 */
	void add(List<WireToolCall> deltas) {
		for (int i = 0; i < deltas.size(); i++) {
			WireToolCall delta = deltas.get(i);
			int index = (delta.index() != null) ? delta.index() : i;
			this.calls.computeIfAbsent(index, (key) -> new Builder()).add(delta);
		}
	}

	/**
	 * Whether a delta arrived that {@link #finish()} has not delivered yet.
	 * @return whether calls are pending
	 */
	boolean pending() {
		return !this.calls.isEmpty();
	}

	/**
	 * Return the assembled calls, in index order, and start again.
	 * @return the calls
	 * @throws MalformedBodyException if a call never got its id or function name
	 */
	List<ToolCall> finish() {
		List<ToolCall> finished = new ArrayList<>(this.calls.size());
		for (Builder builder : this.calls.values()) {
			finished.add(builder.build());
		}
		this.calls.clear();
		return finished;
	}

	private static final class Builder {

		private @Nullable String id;

		private @Nullable String type;

		private @Nullable String name;

		private final StringBuilder arguments = new StringBuilder();

		void add(WireToolCall delta) {
			// The first value wins: some servers repeat the id on every delta.
			if (this.id == null && delta.id() != null && !delta.id().isEmpty()) {
				this.id = delta.id();
			}
			if (this.type == null && delta.type() != null) {
				this.type = delta.type();
			}
			WireFunction function = delta.function();
			if (function != null) {
				if (this.name == null && function.name() != null && !function.name().isEmpty()) {
					this.name = function.name();
				}
				if (function.arguments() != null) {
					this.arguments.append(function.arguments());
				}
			}
		}

		ToolCall build() {
			if (this.id == null || this.name == null) {
				throw new MalformedBodyException("a streamed tool call lacks its id or function name");
			}
			return new ToolCall(this.id, (this.type != null) ? this.type : "function", this.name,
					this.arguments.toString());
		}

	}

}
