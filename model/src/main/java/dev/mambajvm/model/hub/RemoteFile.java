package dev.mambajvm.model.hub;

/**
 * What the hub says of one file at a revision (the headers of its {@code resolve} URL).
 *
 * @param commit the commit the revision resolved to ({@code X-Repo-Commit}); null when not sent
 * @param exists false when the repo has no such file at that commit (HTTP 404, {@code EntryNotFound})
 * @param etag   {@code X-Linked-Etag}, else {@code ETag}, without quotes or {@code W/}: the blob's name;
 *               the SHA-256 of the contents for LFS files
 * @param size   {@code X-Linked-Size}, else {@code Content-Length}; -1 when unknown
 * @param lfs    whether the etag is an LFS SHA-256 (then the download is checked against it)
 */
public record RemoteFile(String commit, boolean exists, String etag, long size, boolean lfs) {
    static RemoteFile absent(String commit) {
        return new RemoteFile(commit, false, null, -1, false);
    }
}
