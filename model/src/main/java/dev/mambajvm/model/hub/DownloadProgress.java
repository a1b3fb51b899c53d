package dev.mambajvm.model.hub;

/** What a download reports as it goes: one file at a time, {@link #start}, {@link #update}s, {@link #finish}. */
public interface DownloadProgress {
    /** Says nothing. */
    DownloadProgress NONE = new DownloadProgress() {
        @Override
        public void note(String line) {
        }

        @Override
        public void start(String file, long from, long total) {
        }

        @Override
        public void update(long bytes) {
        }

        @Override
        public void finish(long bytes) {
        }

        @Override
        public void interrupted(long bytes, String reason) {
        }
    };

    /** A line of its own, e.g. which repo and commit is being downloaded, or a resumed transfer. */
    void note(String line);

    /**
     * {@code file} starts (or restarts) transferring at byte {@code from} (more than 0 when resuming);
     * {@code total} is its size in bytes, or -1 when the hub did not say.
     */
    void start(String file, long from, long total);

    /** {@code bytes} of the current file are on disk (counting the resumed part). */
    void update(long bytes);

    /** The current file is complete, {@code bytes} long. */
    void finish(long bytes);

    /** The current file's transfer broke off after {@code bytes} ({@code reason}); a retry or an error follows. */
    void interrupted(long bytes, String reason);
}
