package dev.grpo.ledger;

import org.springframework.boot.persistence.autoconfigure.EntityScan;
import org.springframework.context.annotation.ComponentScan;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.jpa.repository.config.EnableJpaRepositories;

/**
 * Brings the run ledger into a service: its entities, repositories and query classes. Flyway
 * migrates the schema from {@code classpath:db/migration} on start; concurrent starts of several
 * services are serialised by Flyway's own lock.
 */
@Configuration(proxyBeanMethods = false)
@EntityScan(basePackageClasses = LedgerConfiguration.class)
@EnableJpaRepositories(basePackageClasses = LedgerConfiguration.class)
@ComponentScan(basePackageClasses = LedgerConfiguration.class)
public class LedgerConfiguration {}
