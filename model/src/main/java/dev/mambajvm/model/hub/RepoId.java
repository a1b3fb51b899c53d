package dev.mambajvm.model.hub;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A model repo on the hub and the revision wanted: {@code ORG/NAME} or {@code ORG/NAME@REVISION}
 * (a branch, a tag or a commit hash; default {@code main}).
 *
 * @param id       {@code ORG/NAME}
 * @param revision a branch or tag name, or a 40-hex commit hash
 */
public record RepoId(String id, String revision) {
    public static final String DEFAULT_REVISION = "main";

    // The hub's rules for a name part: letters, digits, '-', '_', '.'; no "--" or ".." (the cache
    // folder name joins the parts with "--"), no leading or trailing '-' or '.'.
    private static final Pattern PART = Pattern.compile("[A-Za-z0-9](?:[A-Za-z0-9._-]{0,94}[A-Za-z0-9])?");
    private static final Pattern REVISION = Pattern.compile("[A-Za-z0-9._/+-]{1,200}");
    private static final Pattern COMMIT = Pattern.compile("[0-9a-f]{40}");

    public RepoId {
        if (!valid(id, revision)) {
            throw new IllegalArgumentException("not a repo id ORG/NAME with a revision: " + id + "@" + revision);
        }
    }

    /** {@code ORG/NAME} or {@code ORG/NAME@REVISION}; empty when {@code text} is not one (a path, say). */
    public static Optional<RepoId> parse(String text) {
        int at = text.indexOf('@');
        String id = at < 0 ? text : text.substring(0, at);
        String revision = at < 0 ? DEFAULT_REVISION : text.substring(at + 1);
        return valid(id, revision) ? Optional.of(new RepoId(id, revision)) : Optional.empty();
    }

    private static boolean valid(String id, String revision) {
        if (id == null || revision == null) {
            return false;
        }
        int slash = id.indexOf('/');
        if (slash < 0 || id.indexOf('/', slash + 1) >= 0) {
            return false;
        }
        return validPart(id.substring(0, slash)) && validPart(id.substring(slash + 1)) && validRevision(revision);
    }

    private static boolean validPart(String s) {
        return PART.matcher(s).matches() && !s.contains("--") && !s.contains("..");
    }

    private static boolean validRevision(String r) {
        if (!REVISION.matcher(r).matches()) {
            return false;
        }
        for (String segment : r.split("/", -1)) {
            if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
                return false;
            }
        }
        return true;
    }

    /** Whether the revision is a full commit hash (then no ref needs resolving). */
    public boolean revisionIsCommit() {
        return isCommit(revision);
    }

    static boolean isCommit(String s) {
        return s != null && COMMIT.matcher(s).matches();
    }

    /** The cache folder's name: {@code models--ORG--NAME}. */
    public String cacheFolderName() {
        return "models--" + id.replace("/", "--");
    }

    /** {@code ORG/NAME}, with {@code @REVISION} when it is not {@code main}. */
    @Override
    public String toString() {
        return revision.equals(DEFAULT_REVISION) ? id : id + "@" + revision;
    }
}
