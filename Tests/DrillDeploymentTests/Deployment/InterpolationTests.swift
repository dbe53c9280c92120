@testable import DrillCore
import Testing
import DrillTestSupport

@Suite struct InterpolationTests {
    let vars: [String: String] = ["A": "alpha", "EMPTY": "", "UPLOAD_LOCATION": "./library", "B": "beta"]

    func sub(_ text: String) throws -> String {
        let v = vars
        var unset = Set<Interpolator.UnsetVariable>()
        return try Interpolator { v[$0] }.substitute(text, unset: &unset)
    }

    @Test func plainAndBraced() throws {
        #expect(try sub("$A/x") == "alpha/x")
        #expect(try sub("${A}x") == "alphax")
        #expect(try sub("${UPLOAD_LOCATION}:/data") == "./library:/data")
        #expect(try sub("no vars") == "no vars")
    }

    @Test func defaults() throws {
        #expect(try sub("${MISSING:-d}") == "d")
        #expect(try sub("${EMPTY:-d}") == "d")
        #expect(try sub("${EMPTY-d}") == "")
        #expect(try sub("${MISSING-d}") == "d")
        #expect(try sub("${A:-d}") == "alpha")
        #expect(try sub("ghcr.io/immich-app/immich-server:${IMMICH_VERSION:-release}") ==
            "ghcr.io/immich-app/immich-server:release")
    }

    @Test func nestedDefaults() throws {
        #expect(try sub("${MISSING:-${B}}") == "beta")
        #expect(try sub("${MISSING:-${ALSO:-deep}/x}") == "deep/x")
    }

    @Test func alternatives() throws {
        #expect(try sub("${A:+alt}") == "alt")
        #expect(try sub("${EMPTY:+alt}") == "")
        #expect(try sub("${EMPTY+alt}") == "alt")
        #expect(try sub("${MISSING+alt}") == "")
    }

    @Test func required() throws {
        #expect(try sub("${A:?need A}") == "alpha")
        #expect(throws: Interpolator.Failure.required(name: "MISSING", message: "set it")) { try sub("${MISSING:?set it}") }
        #expect(throws: Interpolator.Failure.required(name: "EMPTY", message: "empty")) { try sub("${EMPTY:?empty}") }
        #expect(try sub("${EMPTY?x}") == "")
        #expect(throws: Interpolator.Failure.required(name: "MISSING", message: "gone")) { try sub("${MISSING?gone}") }
    }

    @Test func escapesAndLiterals() throws {
        #expect(try sub("$$user") == "$user")
        #expect(try sub("'search_path=\"$$user\", public'") == "'search_path=\"$user\", public'")
        #expect(try sub("$${POSTGRES_DB}") == "${POSTGRES_DB}")
        #expect(try sub("cost $5 and $") == "cost $5 and $")
    }

    @Test func unsetIsReportedAndBlank() throws {
        var unset = Set<Interpolator.UnsetVariable>()
        let text = try Interpolator { _ in nil }.substitute("a${X}b$Y", unset: &unset)
        #expect(text == "ab")
        #expect(unset == [.init(name: "X"), .init(name: "Y")])
    }

    @Test func malformed() {
        #expect(throws: Interpolator.Failure.self) { try sub("${") }
        #expect(throws: Interpolator.Failure.self) { try sub("${A") }
        #expect(throws: Interpolator.Failure.self) { try sub("${1A}") }
        #expect(throws: Interpolator.Failure.self) { try sub("${A:x}") }
        #expect(throws: Interpolator.Failure.self) { try sub("${MISSING:-unclosed") }
    }
}
