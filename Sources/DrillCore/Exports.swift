// What a module importing DrillCore sees: the targets below it in DESIGN.md's flow.

@_exported import DrillReport
