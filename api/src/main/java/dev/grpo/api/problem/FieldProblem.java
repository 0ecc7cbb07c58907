package dev.grpo.api.problem;

/**
 * One invalid field of a request: its path from the body's root and what is wrong with it. An
 * invalid-request problem ({@code application/problem+json}) lists them in its {@code errors}
 * member, so clients read them with this record.
 */
public record FieldProblem(String field, String message) {}
