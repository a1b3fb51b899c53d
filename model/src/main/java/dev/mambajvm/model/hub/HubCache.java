package dev.mambajvm.model.hub;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * The hub cache layout of {@code huggingface_hub} (see the package comment): where a repo's refs,
 * blobs and snapshots are, and the few writes that keep it valid for Python too. Every write is a
 * temporary file moved into place, so a reader never sees half of one.
 */
public final class HubCache {
    /** What the cache knows of one file of a snapshot. */
    public enum FileState { PRESENT, ABSENT, UNKNOWN }

    // ETags name blob files: only what the hub sends (hex digests), nothing that could leave blobs/.
    private static final Pattern ETAG = Pattern.compile("[A-Za-z0-9._-]{1,200}");

    private final Path root;

    public HubCache(Path root) {
        this.root = root;
    }

    /** The cache folder ($HF_HUB_CACHE). */
    public Path root() {
        return root;
    }

    /** {@code ROOT/models--ORG--NAME}. */
    public Path repoFolder(RepoId repo) {
        return root.resolve(repo.cacheFolderName());
    }

    /**
     * The commit the revision stands for: the revision itself when it is a commit hash, else the hash
     * stored in {@code refs/REVISION}; empty when there is no such ref (or it does not hold a hash).
     */
    public Optional<String> commitOf(RepoId repo) {
        if (repo.revisionIsCommit()) {
            return Optional.of(repo.revision());
        }
        Path ref = repoFolder(repo).resolve("refs").resolve(repo.revision());
        try {
            if (!Files.isRegularFile(ref)) {
                return Optional.empty();
            }
            String commit = Files.readString(ref, StandardCharsets.UTF_8).strip();
            return RepoId.isCommit(commit) ? Optional.of(commit) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** Records that the (branch or tag) revision now points to {@code commit}, as huggingface_hub does. */
    public void writeRef(RepoId repo, String commit) throws IOException {
        if (repo.revisionIsCommit() || commitOf(repo).equals(Optional.of(commit))) {
            return;
        }
        Path ref = repoFolder(repo).resolve("refs").resolve(repo.revision());
        Files.createDirectories(ref.getParent());
        Path tmp = ref.resolveSibling(ref.getFileName() + "." + UUID.randomUUID() + ".tmp");
        Files.writeString(tmp, commit, StandardCharsets.UTF_8);
        Files.move(tmp, ref, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** {@code snapshots/COMMIT}: the checkpoint folder of that commit. */
    public Path snapshot(RepoId repo, String commit) {
        return repoFolder(repo).resolve("snapshots").resolve(commit);
    }

    /** Whether {@code file} of the commit is in the cache, known not to exist in the repo, or neither. */
    public FileState state(RepoId repo, String commit, String file) {
        if (Files.isRegularFile(snapshot(repo, commit).resolve(file))) {   // follows the link: the blob must be there
            return FileState.PRESENT;
        }
        if (Files.exists(noExistMarker(repo, commit, file))) {
            return FileState.ABSENT;
        }
        return FileState.UNKNOWN;
    }

    /** Records that {@code file} does not exist at {@code commit} ({@code .no_exist/COMMIT/FILE}, empty). */
    public void markAbsent(RepoId repo, String commit, String file) throws IOException {
        Path marker = noExistMarker(repo, commit, file);
        Files.createDirectories(marker.getParent());
        try {
            Files.createFile(marker);
        } catch (FileAlreadyExistsException e) {
            // already known
        }
    }

    private Path noExistMarker(RepoId repo, String commit, String file) {
        return repoFolder(repo).resolve(".no_exist").resolve(commit).resolve(file);
    }

    /** {@code blobs/ETAG}: a complete file. */
    public Path blob(RepoId repo, String etag) {
        checkEtag(etag);
        return repoFolder(repo).resolve("blobs").resolve(etag);
    }

    /** {@code blobs/ETAG.incomplete}: the part of a download received so far. */
    public Path incomplete(RepoId repo, String etag) {
        checkEtag(etag);
        return repoFolder(repo).resolve("blobs").resolve(etag + ".incomplete");
    }

    static boolean validEtag(String etag) {
        return etag != null && ETAG.matcher(etag).matches() && !etag.startsWith(".");
    }

    private static void checkEtag(String etag) {
        if (!validEtag(etag)) {
            throw new IllegalArgumentException("not an ETag usable as a blob name: " + etag);
        }
    }

    /**
     * Makes {@code snapshots/COMMIT/FILE} a relative symlink to {@code blobs/ETAG} (as huggingface_hub:
     * {@code ../../blobs/ETAG}), replacing a stale link; where the file system has no symlinks, a copy.
     */
    public Path link(RepoId repo, String commit, String file, String etag) throws IOException {
        Path blob = blob(repo, etag);
        Path pointer = snapshot(repo, commit).resolve(file);
        Files.createDirectories(pointer.getParent());
        Path tmp = pointer.resolveSibling("." + pointer.getFileName() + "." + UUID.randomUUID() + ".tmp");
        try {
            Files.createSymbolicLink(tmp, pointer.getParent().relativize(blob));
        } catch (UnsupportedOperationException | FileSystemException e) {
            Files.copy(blob, tmp, StandardCopyOption.REPLACE_EXISTING);
        }
        Files.move(tmp, pointer, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return pointer;
    }
}
