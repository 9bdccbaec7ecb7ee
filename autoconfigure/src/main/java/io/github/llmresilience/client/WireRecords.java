package io.github.llmresilience.client;

import java.lang.reflect.Constructor;

import tools.jackson.core.Version;
import tools.jackson.databind.BeanDescription;
import tools.jackson.databind.DeserializationConfig;
import tools.jackson.databind.DeserializationContext;
import tools.jackson.databind.JacksonModule;
import tools.jackson.databind.deser.ValueInstantiator;
import tools.jackson.databind.deser.ValueInstantiators;
import tools.jackson.databind.deser.std.StdValueInstantiator;
import tools.jackson.databind.introspect.AnnotatedConstructor;

/**
 * A Jackson module that calls the constructor Jackson picks for a wire record (its
 * canonical one) with core reflection. Jackson 3 calls a record's constructor through
 * {@code MethodHandle.invokeWithArguments}, which adapts the handle to the argument array
 * again on every call; a chat completion is four records, and an embeddings answer one
 * per vector. Everything else (which constructor, its properties, the errors a throwing
 * constructor gives) stays Jackson's: only the call changes.
 */
final class WireRecords extends JacksonModule {

	@Override
	public String getModuleName() {
		return WireRecords.class.getName();
	}

	@Override
	public Version version() {
		return Version.unknownVersion();
	}

	@Override
	public void setupModule(SetupContext context) {
		context.addValueInstantiators(new Instantiators());
	}

	private static final class Instantiators extends ValueInstantiators.Base {

		@Override
		public ValueInstantiator modifyValueInstantiator(DeserializationConfig config,
				BeanDescription.Supplier description, ValueInstantiator instantiator) {
			if (instantiator.getClass() == StdValueInstantiator.class
					&& instantiator.getWithArgsCreator() instanceof AnnotatedConstructor creator
					&& creator.getDeclaringClass().isRecord()) {
				return new DirectConstructorCall((StdValueInstantiator) instantiator, creator.getAnnotated());
			}
			return instantiator;
		}

	}

	private static final class DirectConstructorCall extends StdValueInstantiator {

		private final Constructor<?> constructor;

		DirectConstructorCall(StdValueInstantiator instantiator, Constructor<?> constructor) {
			super(instantiator);
			this.constructor = constructor;
		}

		@Override
		public Object createFromObjectWith(DeserializationContext context, Object[] args) {
			try {
				return this.constructor.newInstance(args);
			}
			catch (Exception ex) {
				// As StdValueInstantiator: the constructor's own exception, unwrapped.
				return context.handleInstantiationProblem(getValueClass(), args, rewrapCtorProblem(context, ex));
			}
		}

	}

}
