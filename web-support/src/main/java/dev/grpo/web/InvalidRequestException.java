package dev.grpo.web;

import dev.grpo.api.problem.FieldProblem;
import java.util.List;

/** A request body with invalid fields; every one of them is named, not just the first. */
public class InvalidRequestException extends RuntimeException {

  private final List<FieldProblem> problems;

  public InvalidRequestException(List<FieldProblem> problems) {
    super(
        problems.size() == 1
            ? problems.get(0).field() + ": " + problems.get(0).message()
            : problems.size() + " invalid fields");
    this.problems = List.copyOf(problems);
  }

  public List<FieldProblem> problems() {
    return problems;
  }
}
