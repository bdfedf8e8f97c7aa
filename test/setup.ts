// Decorated classes lose their metadata silently if they are evaluated before this polyfill.
import 'reflect-metadata';
