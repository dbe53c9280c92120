@testable import DrillCore
import DrillTestSupport
import Testing

@Suite struct DotEnvTests {
    func parse(_ text: String, env: [String: String] = [:]) throws -> DotEnv {
        try DotEnv.parse(text, file: "test.env", environment: env)
    }

    @Test(.enabled(if: SharedFixtures.available, Comment(rawValue: SharedFixtures.missing))) func immichExampleEnvOfEveryRelease() throws {
        for version in Fixtures.composeVersions {
            let env = try DotEnv.load(path: Fixtures.exampleEnv(version), environment: [:])
            #expect(env["UPLOAD_LOCATION"] == "./library")
            #expect(env["DB_DATA_LOCATION"] == "./postgres")
            #expect(env["DB_USERNAME"] == "postgres")
            #expect(env["DB_DATABASE_NAME"] == "immich")
            #expect(env["DB_PASSWORD"] == "postgres")
            #expect(env["TZ"] == nil, "TZ is commented out")
        }
        #expect(try DotEnv.load(path: Fixtures.exampleEnv("v2.7.5"), environment: [:])["IMMICH_VERSION"] == "v2")
    }

    @Test func commentsExportAndInline() throws {
        let env = try parse("""
        # comment
           # indented comment
        export A=1
        B = two words   # trailing comment
        C=has#hash
        D:colon style
        E=
        """)
        #expect(env["A"] == "1")
        #expect(env["B"] == "two words")
        #expect(env["C"] == "has#hash")
        #expect(env["D"] == "colon style")
        #expect(env["E"] == "")
        #expect(env.keys == ["A", "B", "C", "D", "E"])
    }

    @Test func quotes() throws {
        let env = try parse("""
        S='single $NOT ${X} \\n raw'
        D="double\\ttab\\nline \\"q\\""
        M="first
        second"
        N='a
        b' # comment after
        Q="x" # comment
        """)
        #expect(env["S"] == "single $NOT ${X} \\n raw")
        #expect(env["D"] == "double\ttab\nline \"q\"")
        #expect(env["M"] == "first\nsecond")
        #expect(env["N"] == "a\nb")
        #expect(env["Q"] == "x")
    }

    @Test func interpolationUsesEnvironmentThenEarlierKeys() throws {
        let env = try parse("""
        BASE=/srv/immich
        UPLOAD_LOCATION=${BASE}/library
        DB=$BASE/pg
        FROM_ENV=${HOST_VAR:-fallback}
        QUOTED="${BASE}/q"
        """, env: ["HOST_VAR": "host", "BASE": "/override"])
        #expect(env["UPLOAD_LOCATION"] == "/override/library")
        #expect(env["DB"] == "/override/pg")
        #expect(env["FROM_ENV"] == "host")
        #expect(env["QUOTED"] == "/override/q")
    }

    @Test func bareKeyInheritsFromEnvironment() throws {
        let env = try parse("TZ\nOTHER\n", env: ["TZ": "Europe/Berlin"])
        #expect(env["TZ"] == "Europe/Berlin")
        #expect(env["OTHER"] == nil)
    }

    @Test func errorsNameFileAndLine() throws {
        do {
            _ = try parse("A=1\nB=\"unterminated\n\nC=3")
            Issue.record("expected an error")
        } catch let error as DrillError {
            #expect(error.file == "test.env")
            #expect(error.line == 2)
            #expect(error.message.contains("unterminated"))
        }
        do {
            _ = try parse("A=1\nB!C=2")
            Issue.record("expected an error")
        } catch let error as DrillError {
            #expect(error.line == 2)
            #expect(error.message.contains("variable name"))
        }
        do {
            _ = try parse("A=1\nB=${REQ:?set REQ}\n")
            Issue.record("expected an error")
        } catch let error as DrillError {
            #expect(error.line == 2)
            #expect(error.message == "required variable REQ is missing a value: set REQ")
        }
    }
}
