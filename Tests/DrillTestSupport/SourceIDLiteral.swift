// In tests, a source is written as the plan writes it: `"upload/library"` for `.upload(folder: "library")`. A name
// that is not a source stops the test at once.

import DrillModel

extension SourceID: ExpressibleByStringLiteral {
    public init(stringLiteral text: String) {
        guard let id = SourceID(text) else { fatalError("'\(text)' is not a source name") }
        self = id
    }
}
