import ArgumentParser
import DrillCore

extension ImmichDrill {
    struct Plan: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show the deployment a drill plan describes: services, mounts, sources and findings.",
            discussion: "Reads the plan's Compose files and .env the way `docker compose config` does. No backup is touched."
        )

        @Argument(help: "The drill plan (drills/NAME.yml).")
        var plan: String

        @OptionGroup var output: FormatOptions

        func run() throws {
            let plan = try DrillPlan.load(plan)
            let deployment = try plan.readDeployment()
            let report = DeploymentReport(plan: plan.file, deployment: deployment)
            Output.print(report.render(output.format, color: Output.color))
            try Output.exit(for: report.findings)
        }
    }
}
