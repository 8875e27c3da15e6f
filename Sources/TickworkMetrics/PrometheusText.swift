import TickworkModel

/// The engine's figures in the Prometheus text format (version 0.0.4): a
/// pure function of one sample (the snapshot and a page of jobs), so the
/// metrics are a reader of the same values as every other view. Names in
/// the style of Flower's and asynq's exporters: `tickwork_job_runs_total
/// {job,group,outcome}`, `tickwork_queue_depth{queue}` …
///
/// Per-job series are capped (`jobCap`, the first jobs by id): at a million
/// jobs a scrape stays a few hundred KB; `tickwork_job_series_omitted`
/// says how many jobs were left out. Pure values, any thread.
public enum PrometheusText {
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"
    /// Per-job series exported at most, by default.
    public static let defaultJobCap = 1000
    /// Lateness bucket bounds, seconds (the engine's histogram is exact to 1/64 of a value).
    public static let latenessBounds: [Double] = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

    public static func render(snapshot s: EngineSnapshot, jobs: [JobInfo], totalJobs: Int) -> String {
        var out = Writer()
        out.family("tickwork_uptime_seconds", "gauge", "Seconds since the engine started.")
        out.sample("tickwork_uptime_seconds", [], seconds(s.uptimeNs))
        out.family("tickwork_runs_total", "counter", "Runs finished, every job together.")
        out.sample("tickwork_runs_total", [], Double(s.runs))
        out.family("tickwork_run_failures_total", "counter", "Runs that failed (threw, timed out, or were refused by a full queue).")
        out.sample("tickwork_run_failures_total", [], Double(s.errors))
        out.family("tickwork_jobs", "gauge", "Jobs in each state (finished ones the engine still keeps, and forgotten ones under 'forgotten').")
        for state in JobState.allCases { out.sample("tickwork_jobs", [("state", state.rawValue)], Double(s.jobsByState[state] ?? 0)) }
        out.sample("tickwork_jobs", [("state", "forgotten")], Double(s.forgottenJobs))
        out.family("tickwork_workers", "gauge", "Worker threads in each phase.")
        for phase in WorkerPhase.allCases {
            out.sample("tickwork_workers", [("phase", phase.rawValue)], Double(s.workers.filter { $0.phase == phase }.count))
        }
        out.family("tickwork_workers_replaced_total", "counter", "Workers written off after a stuck run and replaced.")
        out.sample("tickwork_workers_replaced_total", [], Double(s.workersReplaced))
        queues(&out, s.queues)
        lateness(&out, s.lateness)
        out.family("tickwork_transitions_total", "counter", "State changes and other events recorded, by kind.")
        for kind in EngineEvent.Kind.allCases {
            out.sample("tickwork_transitions_total", [("kind", kind.rawValue)], Double(s.eventCounts[kind] ?? 0))
        }
        out.family("tickwork_transitions_dropped_total", "counter", "Events the event ring overwrote (it keeps the newest; readers that fell behind missed these).")
        out.sample("tickwork_transitions_dropped_total", [], Double(max(0, Int(s.lastEventSeq) - s.eventCapacity)))
        perJob(&out, jobs, totalJobs: totalJobs)
        return out.text
    }

    private static func queues(_ out: inout Writer, _ queues: [QueueInfo]) {
        let families: [(String, String, String, (QueueInfo) -> Double)] = [
            ("tickwork_queue_depth", "gauge", "Runs waiting in the queue.", { Double($0.depth) }),
            ("tickwork_queue_capacity", "gauge", "Runs the queue holds at most.", { Double($0.capacity) }),
            ("tickwork_queue_overflows_total", "counter", "Runs the full queue refused or dropped.", { Double($0.overflow) }),
            ("tickwork_queue_oldest_wait_seconds", "gauge", "How long the oldest waiting run has waited.", { seconds($0.oldestWaitNs) }),
            ("tickwork_queue_enqueued_total", "counter", "Runs put in the queue.", { Double($0.enqueued) }),
            ("tickwork_queue_paused", "gauge", "1 while workers take no runs from the queue.", { $0.paused ? 1 : 0 }),
        ]
        for (name, type, help, value) in families {
            out.family(name, type, help)
            for q in queues { out.sample(name, [("queue", q.name)], value(q)) }
        }
    }

    private static func lateness(_ out: inout Writer, _ h: LatencyHistogram) {
        let name = "tickwork_run_lateness_seconds"
        out.family(name, "histogram", "How late runs started after their due time.")
        for bound in latenessBounds {
            out.sample(name + "_bucket", [("le", format(bound))], Double(h.count(atMostMicros: Int64((bound * 1e6).rounded()))))
        }
        out.sample(name + "_bucket", [("le", "+Inf")], Double(h.count))
        out.sample(name + "_sum", [], h.sumMicros / 1e6)
        out.sample(name + "_count", [], Double(h.count))
    }

    private static func perJob(_ out: inout Writer, _ jobs: [JobInfo], totalJobs: Int) {
        out.family("tickwork_job_series_omitted", "gauge", "Jobs whose own series were left out (the cap on per-job series).")
        out.sample("tickwork_job_series_omitted", [], Double(max(0, totalJobs - jobs.count)))
        func labels(_ j: JobInfo) -> [(String, String)] { [("job", j.name), ("group", j.group), ("id", String(j.id.rawValue))] }
        out.family("tickwork_job_runs_total", "counter", "A job's finished runs, by outcome.")
        for j in jobs {
            out.sample("tickwork_job_runs_total", labels(j) + [("outcome", "ok")], Double(max(0, j.runs - j.errors)))
            out.sample("tickwork_job_runs_total", labels(j) + [("outcome", "failed")], Double(j.errors))
        }
        out.family("tickwork_job_duration_seconds", "summary", "A job's run durations.")
        for j in jobs {
            out.sample("tickwork_job_duration_seconds_sum", labels(j), seconds(j.totalDurationNs))
            out.sample("tickwork_job_duration_seconds_count", labels(j), Double(j.runs))
        }
        out.family("tickwork_job_lateness_seconds", "summary", "How late a job's runs started.")
        for j in jobs {
            out.sample("tickwork_job_lateness_seconds_sum", labels(j), seconds(j.totalLatenessNs))
            out.sample("tickwork_job_lateness_seconds_count", labels(j), Double(j.runs))
        }
        out.family("tickwork_job_state", "gauge", "1 for the state each job is in.")
        for j in jobs { out.sample("tickwork_job_state", labels(j) + [("state", j.state.rawValue)], 1) }
    }

    static func seconds(_ ns: Int64) -> Double { Double(ns) / 1e9 }

    /// A sample value: integers without a fraction, others as Swift prints them.
    static func format(_ v: Double) -> String {
        if v.isNaN { return "NaN" }
        if v.isInfinite { return v > 0 ? "+Inf" : "-Inf" }
        if v == v.rounded() && abs(v) < 1e15 { return String(Int64(v)) }
        return "\(v)"
    }

    /// Builds the text: `# HELP` and `# TYPE` once per family, then samples.
    struct Writer {
        var text = ""
        mutating func family(_ name: String, _ type: String, _ help: String) {
            text += "# HELP \(name) \(escapeHelp(help))\n# TYPE \(name) \(type)\n"
        }
        mutating func sample(_ name: String, _ labels: [(String, String)], _ value: Double) {
            text += name
            if !labels.isEmpty {
                text += "{" + labels.map { "\($0.0)=\"\(escapeLabel($0.1))\"" }.joined(separator: ",") + "}"
            }
            text += " " + PrometheusText.format(value) + "\n"
        }
    }

    /// Label values escape backslash, double quote and newline.
    static func escapeLabel(_ s: String) -> String {
        var out = ""
        for c in s.unicodeScalars {
            switch c {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }

    /// Help text escapes backslash and newline.
    static func escapeHelp(_ s: String) -> String {
        s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\n", with: "\\n")
    }
}
