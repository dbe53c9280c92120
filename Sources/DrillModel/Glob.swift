// Immich's library exclusion patterns are globs (picomatch) matched against the full container path:
// `**/@eaDir/**`, `**/._*`, `**/*.{tif,jpg}`, `**/Raw/**`. This matcher implements that dialect: `**` spans any
// number of path segments (including none), `*` and `?` stay within a segment, `[abc]`, `[a-z]` and `[!x]` are
// classes, `{a,b}` are alternatives (nested allowed). Matching is on whole paths and case-sensitive, as Immich's is.

/// A compiled glob pattern.
package struct Glob: Sendable, Equatable, CustomStringConvertible {
    package let pattern: String
    /// The pattern with its `{…}` alternatives expanded, as scalars.
    private let alternatives: [[Unicode.Scalar]]

    package init(_ pattern: String) {
        self.pattern = pattern
        alternatives = Glob.expandBraces(Array(pattern.unicodeScalars))
    }

    public var description: String { pattern }

    /// True when `path` matches the whole pattern.
    package func matches(_ path: String) -> Bool {
        let text = Array(path.unicodeScalars)
        return alternatives.contains { Glob.match($0[...], text[...]) }
    }

    /// `a{b,c{d,e}}f` → `abf`, `acdf`, `acef`. An unbalanced brace is taken literally.
    static func expandBraces(_ p: [Unicode.Scalar]) -> [[Unicode.Scalar]] {
        guard let open = p.firstIndex(of: "{") else { return [p] }
        var depth = 0
        var close: Int?
        var commas: [Int] = []
        var i = open
        while i < p.count {
            switch p[i] {
            case "{": depth += 1
            case "}":
                depth -= 1
                if depth == 0 { close = i }
            case "," where depth == 1: commas.append(i)
            default: break
            }
            if close != nil { break }
            i += 1
        }
        guard let close else { return [p] }
        let prefix = Array(p[..<open])
        let suffixes = expandBraces(Array(p[(close + 1)...]))
        let bounds = [open] + commas + [close]
        var result: [[Unicode.Scalar]] = []
        for k in 0..<(bounds.count - 1) {
            for middle in expandBraces(Array(p[(bounds[k] + 1)..<bounds[k + 1]])) {
                for suffix in suffixes { result.append(prefix + middle + suffix) }
            }
        }
        return result
    }

    /// Backtracking match of a brace-free pattern against text.
    static func match(_ p: ArraySlice<Unicode.Scalar>, _ t: ArraySlice<Unicode.Scalar>) -> Bool {
        var p = p
        var t = t
        while let c = p.first {
            if c == "*" {
                let isGlobstar = p.count >= 2 && p[p.startIndex + 1] == "*"
                if isGlobstar {
                    // `**/` matches zero or more whole segments; a trailing `**` matches everything left.
                    var rest = p.dropFirst(2)
                    if rest.first == "/" {
                        rest = rest.dropFirst()
                        if match(rest, t) { return true }
                        var i = t.startIndex
                        while i < t.endIndex {
                            if t[i] == "/", match(rest, t[(i + 1)...]) { return true }
                            i += 1
                        }
                        return false
                    }
                    if rest.isEmpty { return true }
                    var i = t.startIndex
                    while i <= t.endIndex {
                        if match(rest, t[i...]) { return true }
                        i += 1
                    }
                    return false
                }
                let rest = p.dropFirst()
                var i = t.startIndex
                while true {
                    if match(rest, t[i...]) { return true }
                    if i == t.endIndex || t[i] == "/" { return false }
                    i += 1
                }
            }
            guard let ch = t.first else { return false }
            if c == "?" {
                if ch == "/" { return false }
                p = p.dropFirst()
                t = t.dropFirst()
                continue
            }
            if c == "[", let end = p.dropFirst().firstIndex(of: "]") {
                var set = p[(p.startIndex + 1)..<end]
                var negate = false
                if let f = set.first, f == "!" || f == "^" {
                    negate = true
                    set = set.dropFirst()
                }
                var found = false
                var j = set.startIndex
                while j < set.endIndex {
                    if j + 2 < set.endIndex, set[j + 1] == "-" {
                        if set[j].value <= ch.value && ch.value <= set[j + 2].value { found = true }
                        j += 3
                    } else {
                        if set[j] == ch { found = true }
                        j += 1
                    }
                }
                if found == negate || ch == "/" { return false }
                p = p[(end + 1)...]
                t = t.dropFirst()
                continue
            }
            if c == "\\", p.count >= 2 {
                guard p[p.startIndex + 1] == ch else { return false }
                p = p.dropFirst(2)
                t = t.dropFirst()
                continue
            }
            guard c == ch else { return false }
            p = p.dropFirst()
            t = t.dropFirst()
        }
        return t.isEmpty
    }
}

/// A library's exclusion patterns, with Immich's default set.
package struct ExclusionSet: Sendable {
    package let globs: [Glob]

    /// The patterns a new external library gets (IMMICH.md §5).
    package static let immichDefaults = ["**/@eaDir/**", "**/._*", "**/#recycle/**", "**/#snapshot/**",
                                        "**/.stversions/**", "**/.stfolder/**"]

    package init(_ patterns: [String]) { globs = patterns.map(Glob.init) }

    /// The first pattern that excludes `path`, if any.
    package func excluding(_ path: String) -> Glob? { globs.first { $0.matches(path) } }

    /// The first pattern that excludes everything under the folder `path` (`**/@eaDir/**` and `/x/@eaDir`), so a
    /// walk can prune it.
    package func excludingFolder(_ path: String) -> Glob? { globs.first { $0.matches(path + "/") } }
}
