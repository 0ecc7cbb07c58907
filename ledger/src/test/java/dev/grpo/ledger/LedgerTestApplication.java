package dev.grpo.ledger;

import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Import;

/** A bare application around the ledger, for the ledger's own tests. */
@SpringBootApplication
@Import(LedgerConfiguration.class)
public class LedgerTestApplication {}
