import ArgumentParser
import DrillCore
import Foundation

extension ImmichDrill {
    struct Catalog: DrillCommand {
        static let configuration = CommandConfiguration(
            commandName: "catalog",
            abstract: "Inventory one Immich database dump: identity, users, libraries, assets and metadata.",
            discussion: """
            Reads .sql, .sql.gz, .sql.zst and .sql.xz dumps from pg_dump or pg_dumpall, streaming, of any Immich \
            release. The time in Immich's newer dump names is the server's local time: give --plan (the deployment's \
            TZ) or --time-zone, else it is read as UTC and the report says so.
            """
        )

        @Argument(help: "The dump file.")
        var dump: String

        @Option(name: .long, help: "A drill plan: its deployment gives the database name and time zone.")
        var plan: String?

        @Option(name: .long, help: "Immich's database in a cluster dump (default: DB_DATABASE_NAME, or immich).")
        var database: String?

        @Option(name: .long, help: "The zone Immich named the dump in, e.g. Europe/Berlin.")
        var timeZone: String?

        @OptionGroup var output: FormatOptions

        func validate() throws {
            if let timeZone, TimeZone(identifier: timeZone) == nil {
                throw ValidationError("--time-zone '\(timeZone)' is not a zone name like Europe/Berlin or UTC.")
            }
        }

        func execute() throws -> Outcome {
            var databaseName = database
            var zone = timeZone
            if let plan {
                let drillPlan = try DrillPlan.load(plan)
                let deployment = try drillPlan.readDeployment()
                databaseName = databaseName ?? deployment.database.name
                zone = zone ?? deployment.timeZone ?? drillPlan.timeZone
            }
            let catalog = try CatalogReader.read(path: dump, databaseName: databaseName ?? "immich", timeZone: zone)
            let report = CatalogReport(catalog)
            Output.print(report.render(output.format, color: Output.color))
            return .from(findings: report.findings)
        }
    }
}
