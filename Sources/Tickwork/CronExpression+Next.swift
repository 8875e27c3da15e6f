import Foundation

/// Finding the next fire: a search over wall-clock minutes of each span of
/// constant UTC offset, in real-time order, with Vixie cron's rules where
/// the offset changes (see `CronExpression`). Integer civil arithmetic; the
/// time zone is asked only for offsets and transitions.
extension CronExpression {
    /// How far the search looks: 8 years (`0 0 30 2 *` never fires).
    static let searchYears: Int64 = 8

    /// The first instant strictly after `date` at which the expression
    /// fires, or nil if none within 8 years.
    public func nextFire(after date: Date) -> Date? {
        let t = date.timeIntervalSince1970
        guard t.isFinite, Swift.abs(t) < 1e12 else { return nil }
        let after = Int64(t.rounded(.down))   // fires fall on whole minutes: after ⌊t⌋ is after t
        let limit = after + Self.searchYears * 366 * 86_400
        var offset = seconds(fromGMTAt: after)
        // A fall-back shortly before `date`: its repeated wall times are
        // still repeats for a fixed-time job.
        var seenWall: Int64?
        if let back = transition(after: after - 4 * 3600), back <= after {
            let before = seconds(fromGMTAt: back - 1)
            if before > seconds(fromGMTAt: back) { seenWall = back + before }
        }
        var low = Self.floorDiv(after + offset, 60) + 1   // wall minutes strictly after `date`
        var next = transition(after: after)
        while true {
            if !isWildcard, let seen = seenWall { low = Swift.max(low, Self.ceilDiv(seen, 60)) }
            // Wall minutes of this span: W·60 − offset below the next transition.
            let high = Swift.min(next.map { Self.ceilDiv($0 + offset, 60) - 1 } ?? .max, Self.floorDiv(limit + offset, 60))
            if let w = firstMatchingWall(atOrAfter: low, through: high) {
                return Date(timeIntervalSince1970: Double(w * 60 - offset))
            }
            guard let at = next, at < limit else { return nil }
            let before = offset
            offset = seconds(fromGMTAt: at)
            if offset > before {
                // Spring forward: wall times [at + before, at + offset) never happen.
                if !isWildcard, firstMatchingWall(atOrAfter: Self.ceilDiv(at + before, 60), through: Self.ceilDiv(at + offset, 60) - 1) != nil {
                    return Date(timeIntervalSince1970: Double(at))
                }
                seenWall = nil
            } else {
                // Fall back: wall times below at + before were seen already.
                seenWall = at + before
            }
            low = Self.ceilDiv(at + offset, 60)
            next = transition(after: at)
        }
    }

    private func seconds(fromGMTAt t: Int64) -> Int64 {
        Int64(timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(t))))
    }

    /// The next change of UTC offset strictly after `t`, in whole seconds.
    private func transition(after t: Int64) -> Int64? {
        guard let d = timeZone.nextDaylightSavingTimeTransition(after: Date(timeIntervalSince1970: Double(t))) else { return nil }
        return Int64(d.timeIntervalSince1970.rounded(.up))
    }

    /// The first wall minute in `from…through` (minutes of civil time since
    /// 1970-01-01 00:00) that every field matches.
    func firstMatchingWall(atOrAfter from: Int64, through: Int64) -> Int64? {
        guard from <= through else { return nil }
        var day = Self.floorDiv(from, 1440)
        var (y, mo, d) = Self.civil(fromDays: day)
        var h = Int((from - day * 1440) / 60), mi = Int(from - day * 1440) % 60
        while day * 1440 <= through {
            if months & (1 << UInt16(mo)) == 0 || !dayMatches(year: y, month: mo, day: d) {
                // The next day (the next month when this one is excluded).
                if months & (1 << UInt16(mo)) == 0 { d = Self.daysIn(month: mo, year: y) }
                day = Self.days(fromCivil: y, mo, d) + 1
                (y, mo, d) = Self.civil(fromDays: day)
                h = 0; mi = 0
                continue
            }
            while h < 24 {
                if hours & (1 << UInt32(h)) != 0 {
                    while mi < 60 {
                        if minutes & (1 << UInt64(mi)) != 0 {
                            let w = day * 1440 + Int64(h * 60 + mi)
                            return w <= through ? w : nil
                        }
                        mi += 1
                    }
                }
                h += 1; mi = 0
            }
            day += 1
            (y, mo, d) = Self.civil(fromDays: day)
            h = 0; mi = 0
        }
        return nil
    }

    static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 { a >= 0 ? a / b : -((-a + b - 1) / b) }
    static func ceilDiv(_ a: Int64, _ b: Int64) -> Int64 { -floorDiv(-a, b) }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
    static func days(fromCivil year: Int, _ month: Int, _ day: Int) -> Int64 {
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = Int64((month + 9) % 12)
        let doy = (153 * mp + 2) / 5 + Int64(day) - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The date of a day count since 1970-01-01.
    static func civil(fromDays z0: Int64) -> (year: Int, month: Int, day: Int) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (Int(yoe + era * 400 + (m <= 2 ? 1 : 0)), Int(m), Int(d))
    }
}
