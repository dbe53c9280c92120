import ArgumentParser
import DrillCore
import Foundation

extension ImmichDrill {
    struct Init: DrillCommand {
        static let configuration = CommandConfiguration(
            commandName: "init",
            abstract: "Read a deployment's docker-compose.yml and .env and write a commented drill plan.",
            discussion: "Without --output the plan is printed. An existing file is never overwritten without --force."
        )

        @Option(name: .long, help: "A Compose file or the folder holding it; repeat to merge several files in order.")
        var compose: [String] = []

        @Option(name: .long, help: "The env file to interpolate with (default: .env beside the first Compose file).")
        var envFile: String?

        @Option(name: .shortAndLong, help: "Write the plan here, e.g. drills/home.yml.")
        var output: String?

        @Flag(name: .long, help: "Overwrite --output if it exists.")
        var force = false

        func validate() throws {
            if compose.isEmpty { throw ValidationError("Name the deployment with --compose PATH (docker-compose.yml or its folder).") }
        }

        func execute() throws -> Outcome {
            let environment = ProcessInfo.processInfo.environment
            let deployment = try DeploymentReader(environment: environment).read(composeFiles: compose,
                                                                                  envFile: envFile)
            let planDirectory = output.map { Paths.directory(of: Paths.absolute($0)) } ?? Paths.currentDirectory
            let text = PlanWriter.render(deployment: deployment, composeFiles: compose, envFile: envFile,
                                         planDirectory: planDirectory, environment: environment)
            guard let output else {
                Output.print(text)
                return .ok
            }
            let path = Paths.absolute(output)
            if FileProbe.exists(path) && !force {
                throw DrillError(.usage, file: output, "already exists; use --force to overwrite it")
            }
            // Check that what was written reads back as a valid plan before saving it.
            _ = try DrillPlan.parse(text, file: path, environment: environment)
            try FileManager.default.createDirectory(atPath: planDirectory, withIntermediateDirectories: true)
            do {
                try text.write(toFile: path, atomically: true, encoding: .utf8)
            } catch {
                throw DrillError(.environment, file: output, "cannot write the plan", cause: "\(error.localizedDescription)")
            }
            Output.warn("wrote \(output) for the Compose project '\(deployment.project)' (\(deployment.findings.count) finding\(deployment.findings.count == 1 ? "" : "s"); run `immich-drill plan \(Subprocess.shellQuote(Paths.absolute(output)))` to see them)")
            return .ok
        }
    }
}
