// What a module importing DrillDeployment sees: the targets below it in DESIGN.md's flow.

@_exported import DrillModel
