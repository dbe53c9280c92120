// What a module importing DrillDemo sees: the targets below it in DESIGN.md's flow.

@_exported import DrillSnapshots
