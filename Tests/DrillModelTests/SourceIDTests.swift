import Foundation
import Testing
@testable import DrillCore
import DrillTestSupport

struct SourceIDTests {
    /// Parses at run time: with the tests' string-literal conformance, `parse("…")` would be a literal.
    func parse(_ text: String) -> SourceID? { SourceID(text) }

    @Test func everyFormRoundTripsAsThePlanWritesIt() throws {
        let names = ["database", "upload", "upload/library", "upload/encoded-video", "external:/mnt/media/photos", "config"]
        for name in names {
            let id = try #require(parse(name))
            #expect(id.description == name)
        }
        #expect(parse("upload/library") == .upload(folder: "library"))
        #expect(parse("external:/mnt/a b") == .external(path: "/mnt/a b"))
        #expect(parse("upload/library")?.uploadFolder == "library")
        #expect(parse("external:/mnt/x")?.externalPath == "/mnt/x")
        #expect(parse("upload")?.uploadFolder == nil && parse("upload")?.isUpload == true)
    }

    @Test func namesThatAreNoSourceAreRefused() {
        for name in ["", "db", "upload/", "upload/photos", "external:", "external:/", "external:relative", "Database",
                     "config:docker-compose.yml", "uploads/library"] {
            #expect(parse(name) == nil, "\(name)")
        }
    }

    @Test func jsonKeepsTheWords() throws {
        let ids: [SourceID] = [.database, .upload(folder: "thumbs"), .external(path: "/mnt/p")]
        let data = try JSONEncoder().encode(ids)
        #expect(String(decoding: data, as: UTF8.self) == #"["database","upload\/thumbs","external:\/mnt\/p"]"#)
        #expect(try JSONDecoder().decode([SourceID].self, from: data) == ids)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([SourceID].self, from: Data(#"["nope"]"#.utf8)) }
    }
}
