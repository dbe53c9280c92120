// `run --relink`: the relink plan made from the verification, written as SQL into scratch (or `--relink-sql`), and
// what its proof on the loaded database came to.

import Foundation

/// Carries the proof out of the database step's hook.
final class ProofBox: @unchecked Sendable {
    var result: RelinkProofResult?
}

extension DrillRunner {
    /// The plan with its SQL file written.
    func relinkSummary(_ relinkPlan: RelinkPlan, catalog: Catalog, verifier: Verifier, scratch: String) -> RelinkSummary {
        let sidecars = Relinker.sidecars(relinkPlan, catalog: catalog, containerPath: verifier.containerPath,
                                         exists: { verifier.index.contains($0) })
        let file = options.relinkSQL ?? scratch + "/relink.sql"
        let apply = RelinkSQL.applyCommand(container: deployment.database.container ?? "immich_postgres",
                                           user: deployment.database.user, database: deployment.database.name,
                                           file: Paths.absolute(file))
        let sql = RelinkSQL.render(relinkPlan, catalog: catalog, sidecars: sidecars, apply: apply)
        var summary = RelinkSummary(plan: relinkPlan, sqlFile: nil, proof: nil)
        if !relinkPlan.isEmpty {
            do {
                try plan.checkOwnFiles(deployment: deployment, relinkSQL: file)
                try sql.write(toFile: file, atomically: true, encoding: .utf8)
                summary.sqlFile = file
            } catch {
                summary.sqlFile = nil
            }
        }
        return summary
    }

    /// The proof's result into the report: a phase, and a finding when it failed.
    func relinkOutcome(_ state: inout State, _ proof: RelinkProofResult?) {
        guard var relink = state.relink else { return }
        var proof = proof
        if proof != nil, let catalog = state.catalog {
            // Verified again where the database now points: each relinked original restored there, an upload's bytes
            // still its checksum.
            let verifier = Verifier(catalog: catalog, deployment: deployment, index: state.index, sample: nil,
                                    absentSources: [], liveStat: { _ in nil })
            for m in relink.plan.matches {
                let asset = catalog.assets[Int(m.asset)]
                guard let file = state.index[verifier.containerPath(m.to)] else {
                    proof!.errors.append("\(m.to): not in the restore")
                    continue
                }
                if asset.algorithm == .sha1, let digest = file.sha1, digest != asset.checksum {
                    proof!.errors.append("\(m.to): its SHA-1 is not the asset's checksum")
                }
            }
        }
        relink.proof = proof
        if options.relinkSQL == nil { relink.sqlFile = nil }  // removed with scratch
        state.report.relink = relink
        if let proof {
            state.report.phases.append(Phase(name: Phase.Kind.relink.rawValue, source: nil, seconds: proof.seconds, bytes: nil,
                                             files: proof.relinked, measured: true, assumption: "the plan's SQL in one transaction"))
            if !proof.proven {
                state.findings.append(Finding(
                    code: .relinkFailed, severity: .critical, count: max(proof.errors.count, 1),
                    message: "The relink plan did not prove out on the drill's own database: \(proof.errors.first ?? "the metadata of the relinked assets changed").",
                    examples: Array(proof.errors.prefix(Finding.maxExamples)),
                    immichWill: "Keep the moved originals' albums and faces only if the relink applies: do not apply this plan to the live database.",
                    remedy: "Make the plan again against the dump you will restore (`immich-drill run PLAN --relink`), and report the error if it persists."))
            }
        } else if !relink.plan.isEmpty {
            state.report.notices = (state.report.notices ?? []) + ["the relink plan was not proven: the dump was not loaded into a scratch PostgreSQL"]
        }
    }
}
