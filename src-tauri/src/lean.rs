//! What keeps the tray process small, besides the window living in a process of its own
//! (`window.rs`, `window_process.rs`: the tray process never loads a webview, nor the GL stack
//! WebKit opens): measured with bench S11 (scripts/bench-tray.sh), where each one's share is said.
//!
//! - [`at_start`], before GTK starts (in both processes): GDK's OpenGL off (`GDK_GL=disable`).
//!   GTK 3 on X11 looks for GL visuals when it opens the display, which loads the Mesa driver
//!   (with llvmpipe, all of LLVM) for good, about 30 MiB, though Mailbell draws nothing with
//!   GDK's GL: WebKit's web process renders the page itself, and the window shows its frames
//!   without GL. Also at most two malloc arenas: every engine thread would otherwise get an
//!   arena of its own, each keeping freed memory.
//! - [`in_tray`], with no window (a while after a start in the tray, and after a window process
//!   ended): freed heap back to the system (`malloc_trim`), and
//! - [`give_back_file_pages`]: the pages of the app's files that only it has in memory (its
//!   binary's and its libraries' code and read-only data: WebKit, JavaScriptCore and GTK, linked
//!   in though the tray process shows no page) are handed back to the kernel (`MADV_PAGEOUT`).
//!   Libraries cannot be unloaded, and the kernel would take these pages back only under memory
//!   pressure, so an idle tray app would hold some 50 MiB of pages that start-up needed and the
//!   tray does not. What it still runs (the engine, the tray) comes back at its next use, read
//!   from the page cache or the disk; pages other processes also map are left alone by the
//!   kernel. Anonymous memory (heap, relocated data) is not touched: without swap it has nowhere
//!   to go, and with swap paging the engine's heap out would only make the next check slow.

/// Before anything else runs (no thread yet: the environment may still be changed).
pub fn at_start() {
    #[cfg(target_os = "linux")]
    {
        // The user's own choice stands.
        if std::env::var_os("GDK_GL").is_none() {
            std::env::set_var("GDK_GL", "disable");
        }
        // SAFETY: mallopt only sets a malloc parameter; called before any other thread exists.
        unsafe {
            libc::mallopt(libc::M_ARENA_MAX, 2);
        }
    }
}

/// In the tray with no window (a while after a start in the tray, or after a window process
/// ended; on the main thread): returns the freed heap and gives back the file pages the tray
/// does not run.
pub fn in_tray() {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: malloc_trim has no preconditions.
        unsafe {
            libc::malloc_trim(0);
        }
    }
    give_back_file_pages();
}

/// Hands the pages of mapped files that only this process uses back to the kernel (see the
/// module's comment). Returns the resident memory before and after, in KiB, for the log.
pub fn give_back_file_pages() -> Option<(u64, u64)> {
    #[cfg(target_os = "linux")]
    {
        let before = resident_kib()?;
        let maps = std::fs::read_to_string("/proc/self/maps").ok()?;
        for (start, end) in file_mappings(&maps) {
            // SAFETY: the range is one of this process's own mappings as the kernel listed it;
            // MADV_PAGEOUT changes no content, only whether its pages are resident (a page is
            // read again when next touched). A mapping unmapped since the listing, or one the
            // kernel cannot page out (locked, device memory), fails with an error that is
            // ignored: nothing was done to it.
            unsafe {
                libc::madvise(start as *mut libc::c_void, end - start, libc::MADV_PAGEOUT);
            }
        }
        let after = resident_kib()?;
        tracing::info!(before_kib = before, after_kib = after, "idle pages given back");
        Some((before, after))
    }
    #[cfg(not(target_os = "linux"))]
    None
}

/// The address ranges of `/proc/self/maps` lines that map a regular file (code, read-only data,
/// fonts): not anonymous memory, not the stack or the kernel's pages (`[stack]`, `[vdso]`), not
/// devices (`/dev/dri`: GPU memory) or memory files (`/memfd:`).
fn file_mappings(maps: &str) -> Vec<(usize, usize)> {
    maps.lines()
        .filter_map(|line| {
            let mut fields = line.split_whitespace();
            let range = fields.next()?;
            let path = fields.nth(4)?;
            if !path.starts_with('/') || path.starts_with("/dev/") || path.starts_with("/memfd:") {
                return None;
            }
            let (start, end) = range.split_once('-')?;
            let start = usize::from_str_radix(start, 16).ok()?;
            let end = usize::from_str_radix(end, 16).ok()?;
            (end > start).then_some((start, end))
        })
        .collect()
}

/// This process's resident memory in KiB (`/proc/self/statm`'s second field is in pages).
#[cfg(target_os = "linux")]
fn resident_kib() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    // SAFETY: sysconf has no preconditions.
    let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    Some(pages * u64::try_from(page).ok()? / 1024)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_regular_files_are_paged_out() {
        let maps = "\
55d0c0a00000-55d0c0c00000 r--p 00000000 fd:01 1234 /usr/bin/mailbell
55d0c0c00000-55d0c2000000 r-xp 00200000 fd:01 1234 /usr/bin/mailbell
55d0c3000000-55d0c3100000 rw-p 00000000 00:00 0 [heap]
7f0000000000-7f0000100000 rw-p 00000000 00:00 0
7f0000100000-7f0000200000 r-xp 00000000 fd:01 99 /usr/lib/x86_64-linux-gnu/libwebkit2gtk-4.1.so.0.19.9
7f0000200000-7f0000300000 rw-s 00000000 00:05 7 /dev/dri/renderD128
7f0000300000-7f0000400000 rw-s 00000000 00:01 8 /memfd:wayland-shm (deleted)
7ffd00000000-7ffd00021000 rw-p 00000000 00:00 0 [stack]
7ffd00100000-7ffd00102000 r-xp 00000000 00:00 0 [vdso]
";
        assert_eq!(
            file_mappings(maps),
            [(0x55d0c0a00000, 0x55d0c0c00000), (0x55d0c0c00000, 0x55d0c2000000), (0x7f0000100000, 0x7f0000200000)]
        );
    }

    /// A file that only this process maps, on a real disk (beside the test binary: /tmp may be
    /// memory), read in whole, then given back: none of its pages stay resident.
    #[cfg(target_os = "linux")]
    #[test]
    fn a_mapped_file_only_this_process_uses_leaves_memory() {
        use std::io::Write;
        // The kernel gathers newly cached pages in a batch per CPU before they join the lists
        // reclaim works on, and MADV_PAGEOUT empties only the batch of the CPU it runs on: a
        // thread moved to another CPU between reading the file and giving it back (as happened
        // once under load) leaves its pages out of reach. The test stays on one CPU.
        // SAFETY: sched_getcpu and sched_setaffinity on this thread only, with a set built here.
        unsafe {
            let cpu = usize::try_from(libc::sched_getcpu()).unwrap();
            let mut set: libc::cpu_set_t = std::mem::zeroed();
            libc::CPU_SET(cpu, &mut set);
            assert_eq!(libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set), 0);
        }
        const PAGES: usize = 256;
        let page = usize::try_from(unsafe { libc::sysconf(libc::_SC_PAGESIZE) }).unwrap();
        let dir = std::env::current_exe().unwrap().parent().unwrap().to_path_buf();
        let path = dir.join(format!("lean-test-{}.bin", std::process::id()));
        let mut f = std::fs::File::create(&path).unwrap();
        f.write_all(&vec![7u8; PAGES * page]).unwrap();
        // Written back to the disk (the kernel drops clean pages only), then out of the page
        // cache: the pages this test maps are read from the disk by this thread, as a library's
        // are. (Pages fresh from a write-back sit for a while where reclaim does not look: the
        // end of a write-back puts them in the batch of whichever CPU took its interrupt.)
        f.sync_all().unwrap();
        // SAFETY: an advice on a file this test owns.
        assert_eq!(unsafe { libc::posix_fadvise(std::os::fd::AsRawFd::as_raw_fd(&f), 0, 0, libc::POSIX_FADV_DONTNEED) }, 0);
        drop(f);
        let f = std::fs::File::open(&path).unwrap();
        let len = PAGES * page;
        // SAFETY: a fresh read-only private mapping of a file this test owns, unmapped below.
        let addr =
            unsafe { libc::mmap(std::ptr::null_mut(), len, libc::PROT_READ, libc::MAP_PRIVATE, std::os::fd::AsRawFd::as_raw_fd(&f), 0) };
        assert_ne!(addr, libc::MAP_FAILED);
        let resident = || {
            let mut vec = vec![0u8; PAGES];
            // SAFETY: `vec` has one byte per page of the mapping.
            assert_eq!(unsafe { libc::mincore(addr, len, vec.as_mut_ptr()) }, 0);
            vec.iter().filter(|b| *b & 1 == 1).count()
        };
        // SAFETY: within the mapping.
        let sum: usize = (0..PAGES).map(|i| unsafe { *(addr as *const u8).add(i * page) } as usize).sum();
        assert_eq!(sum, 7 * PAGES);
        assert_eq!(resident(), PAGES);

        let (before, after) = give_back_file_pages().expect("procfs readable");
        assert!(after < before, "resident {before} KiB then {after} KiB");
        assert_eq!(resident(), 0, "pages still in memory after being given back");
        // SAFETY: the mapping made above, no longer used.
        unsafe { libc::munmap(addr, len) };
        std::fs::remove_file(&path).unwrap();
    }
}
