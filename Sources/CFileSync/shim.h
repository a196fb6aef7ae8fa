#ifndef SIMWATCH_CFILESYNC_H
#define SIMWATCH_CFILESYNC_H

// Linux's sync_file_range, which Swift's Glibc module leaves out (it is a GNU extension).
// Declared here rather than through <fcntl.h>: a module's _GNU_SOURCE would come too late
// for headers the Glibc module has already built.
#if defined(__linux__)
extern int sync_file_range(int fd, long long offset, long long nbytes, unsigned int flags);
#endif

/// Starts writing `length` bytes from `offset` of `fd` to disk, without waiting for them
/// (SYNC_FILE_RANGE_WRITE): a large save's final fsync then waits only for the rest.
/// 0, or -1 with errno set; elsewhere than Linux it does nothing and returns 0.
static inline int simwatch_start_writeback(int fd, long long offset, long long length) {
#if defined(__linux__)
    return sync_file_range(fd, offset, length, 2 /* SYNC_FILE_RANGE_WRITE */);
#else
    (void)fd; (void)offset; (void)length;
    return 0;
#endif
}

#endif
