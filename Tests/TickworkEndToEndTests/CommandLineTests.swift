import Foundation
import Testing

/// The command line as other programs call it (the benchmark contract's
/// interface is `tickwork bench --jobs N …`).
@Suite struct CommandLineTests {
    @Test func benchTakesItsOwnOptions() throws {
        let (status, text) = try spawnAndWait([TmuxSession.binary.path, "bench", "--jobs", "2000", "--workers", "3",
                                               "--duration", "0.3", "--grace", "0", "--seed", "9"])
        #expect(status == 0)
        let line = try #require(text.split(separator: "\n").first { $0.hasPrefix("{") })
        let json = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(json["jobs"] as? Int == 2000)
        #expect(json["workers"] as? Int == 3)
        #expect(json["seed"] as? Int == 9)
    }

    @Test func demosAreListed() throws {
        let (status, text) = try spawnAndWait([TmuxSession.binary.path, "demos"])
        #expect(status == 0)
        #expect(text.contains("refresh") && text.contains("scale"))
    }

    @Test func dashboardOptionsWorkWithoutNamingTheSubcommand() throws {
        // No terminal here, so it stops at the check, after parsing.
        let (status, text) = try spawnAndWait([TmuxSession.binary.path, "--demo", "scale", "--jobs", "5",
                                               "--log-file", NSTemporaryDirectory() + "tickwork-cli.log"])
        #expect(status == 2)
        #expect(text.contains("not a terminal"))
        let (bad, message) = try spawnAndWait([TmuxSession.binary.path, "--workers", "0"])
        #expect(bad == 64)
        #expect(message.contains("--workers must be 1…256"))
    }
}
