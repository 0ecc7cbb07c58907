package dev.grpo.api.web;

/** One invalid field of a request: its path from the body's root and what is wrong with it. */
public record FieldProblem(String field, String message) {}
