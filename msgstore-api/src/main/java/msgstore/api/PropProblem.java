package msgstore.api;

/** One entry of SetProps' or DeleteProps' problem array (R32). */
public record PropProblem(PropTag tag, MapiError error) {}
