#pragma once

namespace gov::store {

// The name of a SQLite VFS that writes each connection's WAL file through a buffer: the
// frames a transaction appends are gathered in memory and reach the file in large writes
// instead of two small writes per page. Everything else is the default VFS's own.
//
// The buffer is written out before the WAL is synced, read, truncated, sized or closed, so
// a transaction's frames are in the file when its commit syncs them. That is the only point
// other connections rely on, *provided the connection syncs at every commit*
// (`PRAGMA synchronous=FULL`, as Governor's writer connection runs): a commit becomes visible
// to readers after its sync. A connection at a lower synchronous level must not use this VFS.
//
// Registered (not as the default) on first call; safe to call from any thread.
const char* WalBufferingVfs();

}  // namespace gov::store
