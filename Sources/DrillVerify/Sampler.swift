// How deep a drill verifies content: every original (`full`), a percentage, or a number of them. A sample is
// drawn with a seed, stratified by source and owner (each gets its share, and every non-empty stratum at least one
// when the sample is large enough), so a small sample still touches every user and every library. What a clean
// sample proves is stated as an upper bound on the bad fraction at 95% confidence (Clopper-Pearson for 0 bad,
// Wilson otherwise).

import DrillInventory
import DrillRestore
import Foundation

/// How much of a restore is written and hashed: all of it, a number of files, or a share.
public enum VerifyDepth: Sendable, Equatable, CustomStringConvertible {
    case full
    case percent(Double)
    case count(Int)

    /// `full`, `N%` or `N`.
    public init?(parsing text: String) {
        let t = text.trimmingCharacters(in: .whitespaces)
        if t == "full" {
            self = .full
        } else if t.hasSuffix("%"), let p = Double(t.dropLast()), p > 0, p <= 100 {
            self = p == 100 ? .full : .percent(p)
        } else if let n = Int(t), n > 0 {
            self = .count(n)
        } else {
            return nil
        }
    }

    public var description: String {
        switch self {
        case .full: "full"
        case .percent(let p): "\(p.formatted(.number.precision(.fractionLength(0...2))))%"
        case .count(let n): "\(n)"
        }
    }
}

/// A seeded generator (SplitMix64): the same seed draws the same sample.
struct SeededRandom: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Chooses the verification sample, stratified, repeatable from its seed.
package enum Sampler {
    /// Picks items from `population` (each with its stratum), `depth` deep, with `seed`. Nil means all.
    package static func choose<T: Hashable>(_ population: [(item: T, stratum: String)], depth: VerifyDepth,
                                           seed: UInt64) -> Set<T>? {
        let target: Int
        switch depth {
        case .full: return nil
        case .percent(let p): target = max(1, Int((Double(population.count) * p / 100).rounded(.up)))
        case .count(let n): target = n
        }
        if target >= population.count { return nil }
        var strata: [String: [T]] = [:]
        for entry in population { strata[entry.stratum, default: []].append(entry.item) }
        let names = strata.keys.sorted()
        // Proportional shares, largest remainders first; at least one each when the sample allows it.
        var shares: [String: Int] = [:]
        var remainders: [(String, Double)] = []
        var given = 0
        for name in names {
            let exact = Double(target) * Double(strata[name]!.count) / Double(population.count)
            var share = Int(exact)
            if share == 0, target >= names.count { share = 1 }
            share = min(share, strata[name]!.count)
            shares[name] = share
            given += share
            remainders.append((name, exact - Double(Int(exact))))
        }
        for (name, _) in remainders.sorted(by: { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }) where given < target {
            if shares[name]! < strata[name]!.count {
                shares[name]! += 1
                given += 1
            }
        }
        var rng = SeededRandom(state: seed)
        var chosen = Set<T>()
        for name in names {
            var items = strata[name]!
            // A partial Fisher-Yates shuffle: the first `share` items are the sample.
            let share = shares[name]!
            for i in 0..<share {
                let j = i + Int(rng.next() % UInt64(items.count - i))
                items.swapAt(i, j)
                chosen.insert(items[i])
            }
        }
        return chosen
    }

    /// The upper bound on the bad fraction, at 95% confidence, when `bad` of `sampled` were bad.
    package static func upperBound(sampled n: Int, bad k: Int) -> Double {
        guard n > 0 else { return 1 }
        if k == 0 { return 1 - pow(0.05, 1 / Double(n)) }
        let z = 1.6449
        let p = Double(k) / Double(n)
        let nn = Double(n)
        let centre = p + z * z / (2 * nn)
        let spread = z * ((p * (1 - p) / nn + z * z / (4 * nn * nn)).squareRoot())
        return min(1, (centre + spread) / (1 + z * z / nn))
    }

    /// What a sample's result means, in words.
    package static func statement(sampled n: Int, bad k: Int, population: Int) -> String {
        let bound = upperBound(sampled: n, bad: k)
        let percent = (bound * 100).formatted(.number.precision(.significantDigits(1...2)))
        if k == 0 {
            return "0 bad in \(n) sampled of \(population) originals: fewer than \(percent)% of them are bad, with 95% confidence."
        }
        return "\(k) bad in \(n) sampled of \(population) originals: up to \(percent)% of them may be bad (95% confidence); verify in full to find every one."
    }
}
