#!/usr/bin/env bash
# Spring AOT and class data sharing on an application that uses the starter: the sample app's
# start-up and its first calls, a new JVM per run, each way in turn (docs/project/benchmarks.md,
# "Spring AOT and class data sharing").
#
# Build the sample app with its AOT code first (process-aot runs unless -DskipITs):
#   ./mvnw -B -pl sample-app -am package -DskipTests -DskipITs=false -Dwiremock.image.skip=true -Dprometheus.image.skip=true
# then, from the repository's root:
#   benchmarks/src/main/scripts/sample-app-startup.sh
#
# Ways (MODES): jit (the jar as it is), aot (-Dspring.aot.enabled=true), cds (Spring Boot's
# extracted layout with a class data sharing archive written by a training run that stops once
# the context is refreshed), aot-cds (both). Each run starts the app in demo mode with the chaos
# off and the fake provider answering at once, waits for it to be ready, makes one call, then
# CALLS more with PARALLEL in flight (curl --parallel), and prints, tab-separated: the way, the
# run, the JVM's uptime when the app was ready (Spring Boot's "process running for"), the
# process's CPU time then (user + system, from /proc), the first call's wall time and the CPU it
# took, the CALLS calls' wall time and CPU, and the resident set size after them.
set -euo pipefail

JAR=${JAR:-$(ls sample-app/target/llm-resilience-sample-app-*.jar | grep -v -- '-plain' | head -1)}
RUNS=${RUNS:-5}
CALLS=${CALLS:-1000}
PARALLEL=${PARALLEL:-20}
MODES=${MODES:-"jit aot cds aot-cds"}
PORT=${PORT:-18087}
WORK=${WORK:-$(mktemp -d)}
APP_ARGS=(--server.port="$PORT" --demo.chaos.rate-limited-fraction=0 --demo.chaos.server-error-fraction=0
	--demo.answer-delay=0ms --logging.level.io.github.llmresilience.calls=WARN)
TICK_MS=$((1000 / $(getconf CLK_TCK)))
BODY='{"text":"Rate limits, outages and timeouts happen; this call survives them."}'

cpu_ms() { # user + system time of a process, in milliseconds
	local stat
	stat=$(cut -d')' -f2- "/proc/$1/stat")
	echo $(( ($(echo "$stat" | awk '{print $12}') + $(echo "$stat" | awk '{print $13}')) * TICK_MS ))
}
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

if [[ " $MODES " == *" cds"* || " $MODES " == *"aot-cds"* ]]; then
	# Spring Boot's documented way to class data sharing: the extracted layout, and a training run
	# that exits once the context is refreshed (one archive per way: the AOT code loads other classes).
	java -Djarmode=tools -jar "$JAR" extract --force --destination "$WORK/extracted" > /dev/null
	EXTRACTED=$(ls "$WORK"/extracted/*.jar | head -1)
	java -XX:ArchiveClassesAtExit="$WORK/app.jsa" -Dspring.context.exit=onRefresh -jar "$EXTRACTED" \
		"${APP_ARGS[@]}" > "$WORK/train.log" 2>&1
	java -XX:ArchiveClassesAtExit="$WORK/app-aot.jsa" -Dspring.aot.enabled=true -Dspring.context.exit=onRefresh \
		-jar "$EXTRACTED" "${APP_ARGS[@]}" > "$WORK/train-aot.log" 2>&1
fi
# curl's config file: one request per block, the body quoted as curl wants it.
ESCAPED=${BODY//\"/\\\"}
for ((i = 0; i < CALLS; i++)); do
	printf 'next\nurl = "http://127.0.0.1:%s/api/summaries"\nheader = "Content-Type: application/json"\ndata = "%s"\noutput = "/dev/null"\n' \
		"$PORT" "$ESCAPED"
done | tail -n +2 > "$WORK/calls.cfg"

printf 'way\trun\tready_ms\tcpu_ready_ms\tfirst_call_ms\tfirst_call_cpu_ms\tcalls_ms\tcalls_cpu_ms\trss_mib\n'
for ((run = 1; run <= RUNS; run++)); do
	for mode in $MODES; do
		case $mode in
			jit) cmd=(java -jar "$JAR") ;;
			aot) cmd=(java -Dspring.aot.enabled=true -jar "$JAR") ;;
			cds) cmd=(java -XX:SharedArchiveFile="$WORK/app.jsa" -jar "$EXTRACTED") ;;
			aot-cds) cmd=(java -XX:SharedArchiveFile="$WORK/app-aot.jsa" -Dspring.aot.enabled=true -jar "$EXTRACTED") ;;
			*) echo "unknown way: $mode" >&2; exit 2 ;;
		esac
		log="$WORK/$mode-$run.log"
		"${cmd[@]}" "${APP_ARGS[@]}" > "$log" 2>&1 &
		pid=$!
		until grep -q 'Started SampleApplication' "$log"; do
			if ! kill -0 "$pid" 2> /dev/null; then echo "the app stopped; see $log" >&2; exit 1; fi
			sleep 0.05
		done
		ready=$(grep -o 'process running for [0-9.]*' "$log" | awk '{printf "%d", $4 * 1000}')
		cpu_ready=$(cpu_ms "$pid")
		start=$(now_ms)
		curl -sf -o /dev/null -H 'Content-Type: application/json' -d "$BODY" "http://127.0.0.1:$PORT/api/summaries"
		first=$(($(now_ms) - start))
		cpu_first=$(cpu_ms "$pid")
		start=$(now_ms)
		curl -sf --parallel --parallel-immediate --parallel-max "$PARALLEL" -K "$WORK/calls.cfg"
		calls=$(($(now_ms) - start))
		cpu_calls=$(cpu_ms "$pid")
		rss=$(awk '/VmRSS/ {printf "%d", $2 / 1024}' "/proc/$pid/status")
		kill "$pid"
		wait "$pid" || true
		printf '%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\n' "$mode" "$run" "$ready" "$cpu_ready" "$first" \
			$((cpu_first - cpu_ready)) "$calls" $((cpu_calls - cpu_first)) "$rss"
	done
done
