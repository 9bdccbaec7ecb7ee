package io.github.llmresilience.benchmarks.load;

/**
 * What one side of a throughput scenario ({@link HappyPath}, {@link Peers}) adds up over
 * its measured rounds: wall time, calls, and the CPU time the harness and the server
 * spent on them.
 */
class RoundTotals {

	long nanos;

	long calls;

	long clientCpuNanos;

	long serverCpuNanos;

	/**
	 * Run one round and add it up.
	 * @param <E> what the round may throw
	 * @param n the calls of the round
	 * @param server the server, whose CPU time the round adds to
	 * @param round runs the calls and returns its wall time in nanoseconds
	 * @return the round's wall time in nanoseconds
	 * @throws E if the round fails
	 */
	<E extends Exception> long measure(int n, ServerProcess server, Round<E> round) throws E {
		long clientCpu = Cpu.thisProcess();
		long serverCpu = server.cpuNanos();
		long wall = round.run();
		this.clientCpuNanos += Cpu.thisProcess() - clientCpu;
		this.serverCpuNanos += server.cpuNanos() - serverCpu;
		this.nanos += wall;
		this.calls += n;
		return wall;
	}

	double throughput() {
		return this.calls / (this.nanos / 1e9);
	}

	double clientCpuMicros() {
		return this.clientCpuNanos / 1e3 / this.calls;
	}

	double serverCpuMicros() {
		return this.serverCpuNanos / 1e3 / this.calls;
	}

	/**
	 * One measured round.
	 *
	 * @param <E> what it may throw
	 */
	interface Round<E extends Exception> {

		/**
		 * Run the round.
		 * @return its wall time in nanoseconds
		 * @throws E if it fails
		 */
		long run() throws E;

	}

}
