@testable import DrillCore
import Foundation
import Testing
import DrillTestSupport

/// A missing original's cause is decided by mtime and ctime together, and says which decided.
extension DrillRunnerTests {
    @Test func aChownedLiveFileIsNotCalledNewer() throws {
        let m = try demo()
        let c = try catalog(m)
        let plan = try DrillPlan.load(m.plan)
        let index = RestoreIndex()
        index.roots = [("/data", "upload", 1_000)]
        func cause(mtime: Double, ctime: Double) -> String {
            let verifier = Verifier(catalog: c, deployment: try! plan.readDeployment(), index: index, sample: nil,
                                    absentSources: [], liveStat: { _ in (mtime, ctime) })
            let asset = c.assets[0]
            return verifier.cause(of: "/data/upload/x.jpg", asset: asset)
        }
        #expect(cause(mtime: 2_000, ctime: 2_000) == "newer than the file snapshot (by its mtime)")
        #expect(cause(mtime: 500, ctime: 2_000).hasPrefix("not in the snapshot; only its ctime is after it"))
        #expect(cause(mtime: 500, ctime: 600) == "not in the snapshot, still on the live disk")
    }

    @Test func trashedCountsEveryAssetInTheTrashAsCatalogDoes() throws {
        let m = try demo()
        let report = try drill(m)
        let c = try catalog(m)
        let trashed = report.findings.first { $0.code == "trashed-assets" }?.count ?? 0
        #expect(trashed == c.counts.trashed && trashed > 0)
    }
}
