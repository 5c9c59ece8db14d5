#include "store/internal/sqlite_wal_buffer.h"

#include <sqlite3.h>

#include <algorithm>
#include <cstring>
#include <mutex>

namespace gov::store {

namespace {

// Large enough that a group commit's frames (a few thousand pages) go out in a few writes.
constexpr int kBufferBytes = 4 << 20;
// The most the default (unix) VFS writes in one call: it takes only the low 17 bits of a size.
constexpr int kWriteBytes = 64 << 10;

// A WAL file: the default VFS's file (`real`, in the memory right after this struct) and the
// frames written to it but not yet passed on, `size` bytes that belong at file offset `start`.
struct WalFile {
  sqlite3_file base;
  sqlite3_file* real;
  char* data;  // kBufferBytes, allocated at the first buffered write
  sqlite3_int64 start;
  int size;
};

sqlite3_vfs g_vfs;

sqlite3_vfs* RealVfs() { return static_cast<sqlite3_vfs*>(g_vfs.pAppData); }
WalFile* Wal(sqlite3_file* f) { return reinterpret_cast<WalFile*>(f); }
const sqlite3_io_methods* Real(WalFile* w) { return w->real->pMethods; }

int Flush(WalFile* w) {
  const int size = w->size;
  w->size = 0;
  for (int done = 0; done < size;) {
    const int n = std::min(kWriteBytes, size - done);
    if (int rc = Real(w)->xWrite(w->real, w->data + done, n, w->start + done); rc != SQLITE_OK) {
      return rc;
    }
    done += n;
  }
  return SQLITE_OK;
}

int Close(sqlite3_file* f) {
  WalFile* w = Wal(f);
  const int flushed = Flush(w);
  const int closed = Real(w)->xClose(w->real);
  sqlite3_free(w->data);
  w->data = nullptr;
  return flushed != SQLITE_OK ? flushed : closed;
}

int Read(sqlite3_file* f, void* p, int amount, sqlite3_int64 offset) {
  WalFile* w = Wal(f);
  if (int rc = Flush(w); rc != SQLITE_OK) return rc;
  return Real(w)->xRead(w->real, p, amount, offset);
}

// Appends to the buffer (or overwrites within it, as SQLite does when it rewrites a frame of
// the open transaction); anything else first writes the buffer out, so writes reach the file
// in the order they were made.
int Write(sqlite3_file* f, const void* p, int amount, sqlite3_int64 offset) {
  WalFile* w = Wal(f);
  if (w->size > 0 && offset >= w->start && offset <= w->start + w->size &&
      offset + amount <= w->start + kBufferBytes) {
    std::memcpy(w->data + (offset - w->start), p, static_cast<size_t>(amount));
    w->size = std::max(w->size, static_cast<int>(offset + amount - w->start));
    return SQLITE_OK;
  }
  if (int rc = Flush(w); rc != SQLITE_OK) return rc;
  if (amount > kWriteBytes) return Real(w)->xWrite(w->real, p, amount, offset);
  if (w->data == nullptr) {
    w->data = static_cast<char*>(sqlite3_malloc(kBufferBytes));
    if (w->data == nullptr) return Real(w)->xWrite(w->real, p, amount, offset);
  }
  std::memcpy(w->data, p, static_cast<size_t>(amount));
  w->start = offset;
  w->size = amount;
  return SQLITE_OK;
}

int Truncate(sqlite3_file* f, sqlite3_int64 size) {
  WalFile* w = Wal(f);
  if (int rc = Flush(w); rc != SQLITE_OK) return rc;
  return Real(w)->xTruncate(w->real, size);
}

int Sync(sqlite3_file* f, int flags) {
  WalFile* w = Wal(f);
  if (int rc = Flush(w); rc != SQLITE_OK) return rc;
  return Real(w)->xSync(w->real, flags);
}

int FileSize(sqlite3_file* f, sqlite3_int64* size) {
  WalFile* w = Wal(f);
  if (int rc = Flush(w); rc != SQLITE_OK) return rc;
  return Real(w)->xFileSize(w->real, size);
}

int Lock(sqlite3_file* f, int level) { return Real(Wal(f))->xLock(Wal(f)->real, level); }
int Unlock(sqlite3_file* f, int level) { return Real(Wal(f))->xUnlock(Wal(f)->real, level); }
int CheckReservedLock(sqlite3_file* f, int* out) {
  return Real(Wal(f))->xCheckReservedLock(Wal(f)->real, out);
}

int FileControl(sqlite3_file* f, int op, void* arg) {
  WalFile* w = Wal(f);
  if (int rc = Flush(w); rc != SQLITE_OK) return rc;
  return Real(w)->xFileControl(w->real, op, arg);
}

int SectorSize(sqlite3_file* f) { return Real(Wal(f))->xSectorSize(Wal(f)->real); }
int DeviceCharacteristics(sqlite3_file* f) {
  return Real(Wal(f))->xDeviceCharacteristics(Wal(f)->real);
}

int ShmMap(sqlite3_file* f, int region, int size, int extend, void volatile** p) {
  return Real(Wal(f))->xShmMap(Wal(f)->real, region, size, extend, p);
}
int ShmLock(sqlite3_file* f, int offset, int n, int flags) {
  return Real(Wal(f))->xShmLock(Wal(f)->real, offset, n, flags);
}
void ShmBarrier(sqlite3_file* f) { Real(Wal(f))->xShmBarrier(Wal(f)->real); }
int ShmUnmap(sqlite3_file* f, int delete_flag) {
  return Real(Wal(f))->xShmUnmap(Wal(f)->real, delete_flag);
}

int Fetch(sqlite3_file* f, sqlite3_int64 offset, int amount, void** p) {
  WalFile* w = Wal(f);
  if (int rc = Flush(w); rc != SQLITE_OK) return rc;
  return Real(w)->xFetch(w->real, offset, amount, p);
}
int Unfetch(sqlite3_file* f, sqlite3_int64 offset, void* p) {
  return Real(Wal(f))->xUnfetch(Wal(f)->real, offset, p);
}

const sqlite3_io_methods kWalMethods = {
    3,
    Close,
    Read,
    Write,
    Truncate,
    Sync,
    FileSize,
    Lock,
    Unlock,
    CheckReservedLock,
    FileControl,
    SectorSize,
    DeviceCharacteristics,
    ShmMap,
    ShmLock,
    ShmBarrier,
    ShmUnmap,
    Fetch,
    Unfetch,
};

// WAL files get the buffer; every other file is the default VFS's file as it opens it.
int Open(sqlite3_vfs*, const char* name, sqlite3_file* f, int flags, int* out_flags) {
  sqlite3_vfs* real = RealVfs();
  if ((flags & SQLITE_OPEN_WAL) == 0) return real->xOpen(real, name, f, flags, out_flags);
  WalFile* w = Wal(f);
  std::memset(w, 0, sizeof(WalFile));
  w->real = reinterpret_cast<sqlite3_file*>(w + 1);
  const int rc = real->xOpen(real, name, w->real, flags, out_flags);
  if (rc != SQLITE_OK) {
    // SQLite closes only a file whose pMethods is set: close the real one here instead.
    if (w->real->pMethods != nullptr) w->real->pMethods->xClose(w->real);
    w->base.pMethods = nullptr;
    return rc;
  }
  if (w->real->pMethods->iVersion < 3) {
    // A default VFS without the methods this one passes on: use its file unbuffered.
    w->real->pMethods->xClose(w->real);
    return real->xOpen(real, name, f, flags, out_flags);
  }
  w->base.pMethods = &kWalMethods;
  return SQLITE_OK;
}

int Delete(sqlite3_vfs*, const char* name, int sync_dir) {
  return RealVfs()->xDelete(RealVfs(), name, sync_dir);
}
int Access(sqlite3_vfs*, const char* name, int flags, int* out) {
  return RealVfs()->xAccess(RealVfs(), name, flags, out);
}
int FullPathname(sqlite3_vfs*, const char* name, int n, char* out) {
  return RealVfs()->xFullPathname(RealVfs(), name, n, out);
}
void* DlOpen(sqlite3_vfs*, const char* name) { return RealVfs()->xDlOpen(RealVfs(), name); }
void DlError(sqlite3_vfs*, int n, char* out) { RealVfs()->xDlError(RealVfs(), n, out); }
void (*DlSym(sqlite3_vfs*, void* handle, const char* symbol))(void) {
  return RealVfs()->xDlSym(RealVfs(), handle, symbol);
}
void DlClose(sqlite3_vfs*, void* handle) { RealVfs()->xDlClose(RealVfs(), handle); }
int Randomness(sqlite3_vfs*, int n, char* out) { return RealVfs()->xRandomness(RealVfs(), n, out); }
int Sleep(sqlite3_vfs*, int micros) { return RealVfs()->xSleep(RealVfs(), micros); }
int CurrentTime(sqlite3_vfs*, double* out) { return RealVfs()->xCurrentTime(RealVfs(), out); }
int GetLastError(sqlite3_vfs*, int n, char* out) {
  return RealVfs()->xGetLastError(RealVfs(), n, out);
}
int CurrentTimeInt64(sqlite3_vfs*, sqlite3_int64* out) {
  return RealVfs()->xCurrentTimeInt64(RealVfs(), out);
}
int SetSystemCall(sqlite3_vfs*, const char* name, sqlite3_syscall_ptr p) {
  return RealVfs()->xSetSystemCall(RealVfs(), name, p);
}
sqlite3_syscall_ptr GetSystemCall(sqlite3_vfs*, const char* name) {
  return RealVfs()->xGetSystemCall(RealVfs(), name);
}
const char* NextSystemCall(sqlite3_vfs*, const char* name) {
  return RealVfs()->xNextSystemCall(RealVfs(), name);
}

}  // namespace

const char* WalBufferingVfs() {
  static std::once_flag once;
  std::call_once(once, [] {
    sqlite3_vfs* real = sqlite3_vfs_find(nullptr);
    // The wrapper and the real file share the memory SQLite allocates per file.
    const int wrapped = static_cast<int>((sizeof(WalFile) + 7) / 8 * 8) + real->szOsFile;
    g_vfs.iVersion = std::min(real->iVersion, 3);
    g_vfs.szOsFile = std::max(real->szOsFile, wrapped);
    g_vfs.mxPathname = real->mxPathname;
    g_vfs.zName = "governor-wal-buffer";
    g_vfs.pAppData = real;
    g_vfs.xOpen = Open;
    g_vfs.xDelete = Delete;
    g_vfs.xAccess = Access;
    g_vfs.xFullPathname = FullPathname;
    g_vfs.xDlOpen = DlOpen;
    g_vfs.xDlError = DlError;
    g_vfs.xDlSym = DlSym;
    g_vfs.xDlClose = DlClose;
    g_vfs.xRandomness = Randomness;
    g_vfs.xSleep = Sleep;
    g_vfs.xCurrentTime = CurrentTime;
    g_vfs.xGetLastError = GetLastError;
    g_vfs.xCurrentTimeInt64 = CurrentTimeInt64;
    g_vfs.xSetSystemCall = SetSystemCall;
    g_vfs.xGetSystemCall = GetSystemCall;
    g_vfs.xNextSystemCall = NextSystemCall;
    sqlite3_vfs_register(&g_vfs, /*makeDflt=*/0);
  });
  return g_vfs.zName;
}

}  // namespace gov::store
