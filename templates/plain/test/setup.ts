// Decorated classes need this polyfill loaded before they are evaluated.
import 'reflect-metadata';
