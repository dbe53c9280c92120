// What a module importing DrillReport sees: the targets below it in DESIGN.md's flow.

@_exported import DrillPlanning
@_exported import DrillVerify
