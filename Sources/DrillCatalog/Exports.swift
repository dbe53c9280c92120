// What a module importing DrillCatalog sees: the targets below it in DESIGN.md's flow.

@_exported import DrillDeployment
