import Testing
@testable import TickworkBench
import Tickwork

@Suite("Benchmark contract")
struct BenchWorkloadTests {
    @Test("SplitMix64 matches the contract's check values")
    func rng() {
        var r = SplitMix64(seed: 1)
        #expect(r.next() == 0x910a_2dec_8902_5cc1)
        #expect(r.next() == 0xbeeb_8da1_658e_ec67)
    }

    @Test("jobs 0…2 have the contract's periods and phases")
    func jobs() {
        let w = BenchWorkload(jobs: 3, pmin: 0.5, pmax: 5, seed: 1)
        #expect(w.periodNs == [3_049_527_088, 4_869_512_391, 2_499_191_153])
        #expect(w.phaseNs == [2_274_281_670, 2_163_812_713, 1_906_618_915])
    }

    @Test("job names are bench-<i>")
    func names() {
        #expect([0, 7, 42, 999_999, Int.max].map(benchJobName) == ["bench-0", "bench-7", "bench-42", "bench-999999", "bench-\(Int.max)"])
    }

    @Test("expected runs count the ticks in [w0, w1)")
    func expected() {
        #expect(BenchWorkload.expectedRuns(first: 0, period: 10, w0: 0, w1: 100) == 10)
        #expect(BenchWorkload.expectedRuns(first: 5, period: 10, w0: 0, w1: 100) == 10)
        #expect(BenchWorkload.expectedRuns(first: 5, period: 10, w0: 6, w1: 100) == 9)
        #expect(BenchWorkload.expectedRuns(first: 200, period: 10, w0: 0, w1: 100) == 0)
        #expect(BenchWorkload.expectedRuns(first: -35, period: 10, w0: 0, w1: 25) == 2)  // ticks 5 and 15
        #expect(BenchWorkload.expectedRuns(first: 0, period: 10, w0: 0, w1: 101) == 11)
    }

    @Test("a short real run: every expected run happens, one JSON line with the required keys")
    func shortRun() throws {
        var o = BenchOptions()
        // A long grace: other suites (the stress test) run in parallel on two
        // cores, under TSan too, and a run is only missing if it has not
        // started by the end of the grace.
        o.jobs = 200; o.pmin = 0.05; o.pmax = 0.2; o.durationS = 0.5; o.graceS = 2; o.workers = 2
        let r = try BenchRunner.run(o)
        #expect(r.expectedRuns > 500)
        #expect(r.runs == r.expectedRuns)
        #expect(r.lateness.minMicros >= 0, "no run before its due time")
        let line = r.jsonLine
        #expect(!line.contains("\n"))
        for key in ["\"peer\":\"tickwork\"", "\"jobs\":200", "\"workers\":2", "\"duration_s\":0.5", "\"expected_runs\":",
                    "\"runs\":", "\"lateness_ms\":{\"p50\":", "\"p99\":", "\"p999\":", "\"max\":", "\"cpu_s\":",
                    "\"peak_rss_mb\":", "\"setup_s\":", "\"cpu_run_s\":"] {
            #expect(line.contains(key), "missing \(key)")
        }
    }
}
