import ArgumentParser
import DrillCore

extension ImmichDrill {
    struct Plan: DrillCommand {
        static let configuration = CommandConfiguration(
            commandName: "plan",
            abstract: "Show the backup coverage and restore points of a drill plan, without restoring anything.",
            discussion: """
                Reads the deployment (Compose files, .env, mounts), finds every snapshot of every source the plan \
                names, reads the newest dump, lists the newest snapshots (headers only), walks the live files and \
                pairs dumps with file snapshots into restore points. Nothing is written.
                """
        )

        @Argument(help: "The drill plan (drills/NAME.yml).")
        var plan: String

        @Flag(name: .long, help: "Skip the walk of the live files.")
        var noLive = false

        @Option(name: .long, help: "The restore point to show in detail: latest, an id (20261126T010000Z) or a time.")
        var restorePoint = "latest"

        @OptionGroup var output: FormatOptions

        func execute() throws -> Outcome {
            let drillPlan = try DrillPlan.load(plan)
            let deployment = try drillPlan.readDeployment()
            var options = PlanOptions()
            options.live = !noLive
            options.restorePoint = restorePoint
            let result = try BackupPlanner(plan: drillPlan, deployment: deployment, options: options).run()
            let report = PlanReport(planFile: drillPlan.file, result: result)
            Output.print(report.render(output.format, color: Output.color))
            return .from(findings: report.findings)
        }
    }
}
