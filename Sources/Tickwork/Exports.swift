// The plain values every view reads (snapshots, windows, details, events)
// live in TickworkModel, so a dashboard fed from a socket needs no engine.
// A program that embeds the engine sees them through `import Tickwork`.
@_exported import TickworkModel
